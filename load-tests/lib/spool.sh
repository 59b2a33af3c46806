# shellcheck shell=bash
# The spool mode: sourced by load-tests/bench (--only spool). The gateway runs with the PostgreSQL spool
# on (bench PostgreSQL, a schema of this run). Per round:
#   batch        batch POSTs ($BATCH_SIZE events) for $DURATION s with Kafka up: the normal rate of this
#                run, the reference of the next two rows ("x raw" = x batch);
#   spool-in     the bench Kafka is killed (SIGKILL); once Kafka's breaker is open (a few seconds of
#                load open it, not measured) the same batch POSTs for $DURATION s: every event is
#                answered "spooled" (committed to PostgreSQL);
#   spool-drain  Kafka is started again, no load: the relay drains the spool into Kafka; events/s =
#                events in the spool when Kafka came back / time until the spool is empty.
# Checks: at the end the spool is empty and the topic holds every accepted event. Accepted is the
# gateway's own count (sluice_ingest_events_total{result="accepted"}): while the breaker opens, answers
# wait for Kafka's delivery timeout and wrk gives up on some of them, which the gateway spooled all the same.

SPOOL_SCHEMA="bench_${TS,,}"
SPOOL_DRAIN_TIMEOUT=900

spool_setup() {
  local pg_port="${SLUICE_INFRA_POSTGRES_PORT:-25433}"
  SPOOL_URI="postgresql://sluice:sluice@127.0.0.1:$pg_port/sluice"
  PGPASSWORD=sluice psql -X -q -h 127.0.0.1 -p "$pg_port" -U sluice -d sluice -c "CREATE SCHEMA $SPOOL_SCHEMA" \
    >"$RUN/spool-schema.log" 2>&1 || { cat "$RUN/spool-schema.log" >&2; die "could not create schema $SPOOL_SCHEMA"; }
  cat >>"$GW_CONFIG" <<EOF2
spool:
  enabled: true
store:
  uri: $SPOOL_URI
  schema: $SPOOL_SCHEMA
EOF2
}

spool_metric() {   # spool_metric NAME [LABEL_FRAGMENT]
  curl -fsS -m 2 "http://127.0.0.1:$ADMIN_PORT/metrics" 2>/dev/null \
    | awk -v m="$1" -v f="${2:-}" '(index($0, m " ") == 1 || index($0, m "{") == 1) && index($0, f) { s += $NF; n++ }
        END { if (n == 0) print "-1"; else printf "%.0f", s }'
}

broker_pid() {
  BROKER_PID="$(read_pid "${SLUICE_INFRA_DIR:-$REPO/.infra}/bench/kafka/kafka.pid")"
  pid_alive "$BROKER_PID" || BROKER_PID="$(ss -Hltnp "sport = :$KAFKA_PORT" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)"
}

spool_mode() {   # spool_mode ROUND
  local round="$1" normal deadline t0 t1 spooled left g0 g1 b0 b1 s0 s1 after
  wait_for_quiet
  log "round $round: batch with Kafka up ($BATCH_SIZE events/request, $BATCH_CONNECTIONS connections, ${DURATION}s)"
  run_wrk "batch-$round" "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$DURATION"
  normal="$(rate "$W_ACCEPTED" "$DURATION")"
  add_row "$round" batch "$normal" "$(rate "$W_ANSWERS" "$DURATION")" "$(ms "$W_P50")" "$(ms "$W_P99")" "$(ms "$W_P999")" \
    "${W_ERRORS:--}" "$W_ACCEPTED" "$W_LANDED" "$W_CPU_GW" "$W_CPU_BROKER" "$W_CPU_LOAD" "$normal" "$W_CPU_OTHER"
  log "round $round: batch $(printf "%'d" "$normal") events/s with Kafka up"

  broker_pid
  log "round $round: killing Kafka (SIGKILL, pid $BROKER_PID); load until its breaker opens"
  kill -KILL "$BROKER_PID" 2>/dev/null || die "could not kill Kafka (pid $BROKER_PID)"
  KAFKA_AWAY=1
  deadline=$(($(date +%s) + 60))
  until [[ "$(spool_metric sluice_breaker_state 'breaker="kafka"')" == 2 ]]; do
    (($(date +%s) < deadline)) || die "Kafka's breaker did not open within 60 s of the kill"
    run_wrk "open-$round" "$BATCH_CONNECTIONS" "$BATCH_SIZE" 3   # counted as accepted (spooled), not reported
  done
  wait_for_quiet
  log "round $round: spool-in ($BATCH_SIZE events/request, Kafka away, ${DURATION}s)"
  run_wrk "spool-in-$round" "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$DURATION"
  add_row "$round" spool-in "$(rate "$W_ACCEPTED" "$DURATION")" "$(rate "$W_ANSWERS" "$DURATION")" "$(ms "$W_P50")" \
    "$(ms "$W_P99")" "$(ms "$W_P999")" "${W_ERRORS:--}" "$W_ACCEPTED" "$W_LANDED" "$W_CPU_GW" "$W_CPU_BROKER" "$W_CPU_LOAD" \
    "$normal" "$W_CPU_OTHER" 1
  log "round $round: spool-in $(printf "%'d" "$(rate "$W_ACCEPTED" "$DURATION")") events/s spooled, errors ${W_ERRORS:-none}"

  spooled="$(spool_metric sluice_spool_events)"
  log "round $round: starting Kafka again; the relay drains $spooled spooled events"
  scripts/infra start kafka >>"$RUN/infra-start.log" 2>&1 || die "scripts/infra start kafka failed (log: $RUN/infra-start.log)"
  KAFKA_AWAY=0
  broker_pid
  t0=$(now_ms); g0=$(ticks "$GW_PID"); b0=$(ticks "$BROKER_PID"); s0=$(sys_ticks)
  deadline=$(($(date +%s) + SPOOL_DRAIN_TIMEOUT))
  while :; do
    left="$(spool_metric sluice_spool_events)"
    [[ $left == 0 ]] && break
    (($(date +%s) < deadline)) || die "the spool did not drain within ${SPOOL_DRAIN_TIMEOUT}s ($left events left)"
    sleep 0.2
  done
  t1=$(now_ms); g1=$(ticks "$GW_PID"); b1=$(ticks "$BROKER_PID"); s1=$(sys_ticks)
  after=$(end_offsets "$TOPIC")
  local landed=$((after - TOPIC_OFFSET)); TOPIC_OFFSET=$after
  local secs drained cpu_gw cpu_br
  secs=$(awk -v ms=$((t1 - t0)) 'BEGIN { printf "%.3f", ms / 1000 }')
  drained=$(awk -v n="$spooled" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  cpu_gw=$(cores "$g0" "$g1" $((t1 - t0))); cpu_br=$(cores "$b0" "$b1" $((t1 - t0)))
  add_row "$round" spool-drain "$drained" - - - - - "$spooled" "$landed" "$cpu_gw" "$cpu_br" 0 "$normal" \
    "$(other_cores "$(cores "$s0" "$s1" $((t1 - t0)))" "$cpu_gw" "$cpu_br" 0)" "$( ((landed >= spooled)) && echo 1 || echo 0)"
  log "round $round: spool-drain $(printf "%'d" "$drained") events/s ($spooled events in ${secs}s), landed $landed"
}
