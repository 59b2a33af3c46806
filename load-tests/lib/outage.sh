# shellcheck shell=bash
# The outage mode: sourced by load-tests/bench (--outage), for a person to watch. The spool gateway
# (lib/spool.sh: the spool on) takes HTTP singles, HTTP batches and one WebSocket stream at
# $OUTAGE_RATE events/s (tools/OutageLoad.java, paced, one sender per key) for $OUTAGE_SECONDS s; the
# bench Kafka is killed (SIGKILL) at $OUTAGE_KILL_AT s and started again at $OUTAGE_RESTART_AT s. Then
# the spool must drain, and tools/OutageCheck.java compares the topic with what was accepted: every
# accepted event in Kafka, duplicates counted, each key's events in their order of acceptance. Fails
# when a client got anything but 202/acks, an accepted event is missing, or a key is out of order.

OUTAGE_RATE="${BENCH_OUTAGE_RATE:-2500}"
OUTAGE_SECONDS="${BENCH_OUTAGE_SECONDS:-90}"
OUTAGE_KILL_AT="${BENCH_OUTAGE_KILL_AT:-20}"
OUTAGE_RESTART_AT="${BENCH_OUTAGE_RESTART_AT:-50}"

outage_run() {
  local out="$RUN/outage-load.out" t0 line check drain_t0 left deadline spooled_at_restart
  use_spool_gateway 1
  log "outage: ${OUTAGE_RATE} events/s (HTTP singles, batches of 20, one WebSocket stream) for ${OUTAGE_SECONDS}s;" \
    "Kafka SIGKILLed at ${OUTAGE_KILL_AT}s, started again at ${OUTAGE_RESTART_AT}s"
  "$JAVA" -Xms256m -Xmx512m "$HERE/tools/OutageLoad.java" --url "$GW_URL" --rate "$OUTAGE_RATE" \
    --duration "$OUTAGE_SECONDS" --out "$RUN" >"$out" 2>&1 &
  LOADGEN_PID=$!
  deadline=$(($(date +%s) + 60))
  until grep -q '^READY' "$out" 2>/dev/null; do
    kill -0 "$LOADGEN_PID" 2>/dev/null || { cat "$out" >&2; die "OutageLoad exited before READY"; }
    (($(date +%s) < deadline)) || die "OutageLoad not READY after 60 s"
    sleep 0.1
  done
  t0=$(date +%s)
  tail -n +2 -f "$out" --pid "$LOADGEN_PID" 2>/dev/null | sed 's/^/  /' >&2 &
  sleep_until $((t0 + OUTAGE_KILL_AT))
  broker_pid
  log "outage: t=${OUTAGE_KILL_AT}s: SIGKILL Kafka (pid $BROKER_PID)"
  kill -KILL "$BROKER_PID" 2>/dev/null || die "could not kill Kafka (pid $BROKER_PID)"
  KAFKA_AWAY=1
  sleep_until $((t0 + OUTAGE_RESTART_AT))
  log "outage: t=${OUTAGE_RESTART_AT}s: starting Kafka again (spool: $(spool_metric sluice_spool_events) events)"
  scripts/infra start kafka >>"$RUN/infra-start.log" 2>&1 || die "scripts/infra start kafka failed (log: $RUN/infra-start.log)"
  KAFKA_AWAY=0
  broker_pid
  wait "$LOADGEN_PID" || { cat "$out" >&2; die "OutageLoad failed"; }
  LOADGEN_PID=""
  line="$(grep '^SLUICE_OUTAGE ' "$out" | head -n1)"
  [[ -n $line ]] || { cat "$out" >&2; die "OutageLoad printed no SLUICE_OUTAGE line"; }
  O_LOAD="${line#SLUICE_OUTAGE }"
  spooled_at_restart="$(spool_metric sluice_spool_events)"
  drain_t0=$(now_ms)
  deadline=$(($(date +%s) + SPOOL_DRAIN_TIMEOUT))
  while left="$(spool_metric sluice_spool_events)"; [[ $left != 0 ]]; do
    (($(date +%s) < deadline)) || die "the spool did not drain within ${SPOOL_DRAIN_TIMEOUT}s ($left left)"
    sleep 0.5
  done
  O_DRAIN_S=$(awk -v ms=$(($(now_ms) - drain_t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
  O_LEFT_AT_END="$spooled_at_restart"
  curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" >"$RUN/outage-metrics.txt" 2>/dev/null || true
  O_AMBIGUOUS=$(metric_plain sluice_fallback_ambiguous_total "$RUN/outage-metrics.txt")
  O_RESENT=$(metric_plain sluice_relay_resent_total "$RUN/outage-metrics.txt")
  O_RELAYED=$(metric_sum sluice_relay_events_total 'result="sent"' "$RUN/outage-metrics.txt")
  log "outage: checking the topic against what was accepted (tools/OutageCheck.java)"
  O_CHECK_RC=0
  check="$("$JAVA" -Xmx1g -cp "$KAFKA_LIBS/*" "$HERE/tools/OutageCheck.java" "$BOOTSTRAP" "$TOPIC" "$RUN/accepted.tsv" \
    2>>"$RUN/outage-check.log")" || O_CHECK_RC=$?
  O_CHECK="$(sed -n 's/^SLUICE_OUTAGE_CHECK //p' <<<"$check")"
  [[ -n $O_CHECK ]] || { cat "$RUN/outage-check.log" >&2; die "OutageCheck printed no result"; }
  use_spool_gateway 0
}

# a metric without labels
metric_plain() { awk -v m="$1" '$1 == m { printf "%.0f", $2; found = 1 } END { if (!found) print 0 }' "$2"; }

sleep_until() { local s=$(( $1 - $(date +%s) )); ((s > 0)) && sleep "$s"; return 0; }

ojget() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }

outage_report() {
  machine_facts
  local base="$RUN/outage-$TS" ok=yes refused missing order
  refused=$(ojget refused "$O_LOAD"); missing=$(ojget missing "$O_CHECK"); order=$(ojget keysOutOfOrder "$O_CHECK")
  ((refused == 0 && missing == 0 && order == 0)) || ok=no
  {
    printf 'Sluice outage run %s: %s events/s offered for %ss (HTTP singles, batches of 20, one WebSocket stream), Kafka SIGKILLed at %ss, back at %ss\n' \
      "$TS" "$OUTAGE_RATE" "$OUTAGE_SECONDS" "$OUTAGE_KILL_AT" "$OUTAGE_RESTART_AT"
    printf 'machine: %s cores %s, %s GiB; Java %s; Kafka %s; gateway %s (%s), spool on (PostgreSQL, schema %s)\n\n' \
      "$CORES" "$CPU_MODEL" "$MEM_GIB" "$JAVA_VERSION" "$KAFKA_VERSION" "$(basename "$JAR")" "$GIT_COMMIT" "$SPOOL_SCHEMA"
    printf 'clients:  accepted %s (spooled %s, delivered %s), answers other than 202/ack: %s\n' \
      "$(ojget accepted "$O_LOAD")" "$(ojget spooled "$O_LOAD")" "$(ojget delivered "$O_LOAD")" "$refused"
    printf 'spool:    %s events left when the load ended, drained in %ss; relayed %s, read again %s, ambiguous %s\n' \
      "$O_LEFT_AT_END" "$O_DRAIN_S" "$O_RELAYED" "$O_RESENT" "$O_AMBIGUOUS"
    printf 'kafka:    %s records, %s distinct, missing %s, duplicates %s; keys %s, out of order %s\n' \
      "$(ojget records "$O_CHECK")" "$(ojget distinct "$O_CHECK")" "$missing" "$(ojget duplicates "$O_CHECK")" \
      "$(ojget keys "$O_CHECK")" "$order"
    printf 'result:   %s\n' "$([[ $ok == yes ]] && echo "ok: only 202s, nothing lost, every key in order" || echo FAILED)"
  } | tee "$base.txt" >&2
  if [[ $ok == yes ]]; then
    cp "$base.txt" "$RESULTS/outage-$TS.txt"
    cp "$base.txt" "$RESULTS/latest-outage.txt"
    log "results: ${RESULTS#"$REPO"/}/outage-$TS.txt (and latest-outage.txt); logs: ${RUN#"$REPO"/}"
  else
    die "the outage run failed (report in ${base#"$REPO"/}.txt; ${RESULTS#"$REPO"/} is unchanged)"
  fi
}
