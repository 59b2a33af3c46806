# shellcheck shell=bash
# The spool mode: sourced by load-tests/bench (--only spool). Two gateways on the production defaults:
# the bench's gateway (spool off) and a spool gateway (spool on: the bench PostgreSQL, a schema of this
# run; ports $SPOOL_HTTP_PORT/$SPOOL_ADMIN_PORT). Per round, batch POSTs ($BATCH_SIZE events):
#   batch        to the bench gateway, Kafka up: the reference of the other rows ("x raw" = x batch);
#   batch-spool  to the spool gateway, Kafka up, its breaker closed: the cost of the fallback path when
#                nothing fails (A/B with batch, same run);
#   spool-in     the bench Kafka killed (SIGKILL); once the spool gateway's readiness probe has lost it
#                (a second or two) the same POSTs for $DURATION s: every event is answered "spooled"
#                (committed to PostgreSQL);
#   spool-drain  Kafka started again, no load: the relays drain the spool into Kafka; events/s = events in
#                the spool when Kafka came back / time until the spool is empty.
# Checks: at the end the spool is empty and the topic holds every accepted event. Accepted is the
# gateways' own count (sluice_ingest_events_total{result="accepted"}), which also covers answers wrk gave
# up on.

SPOOL_SCHEMA="bench_${TS,,}"
SPOOL_DRAIN_TIMEOUT=900
SPOOL_HTTP_PORT="${BENCH_SPOOL_HTTP_PORT:-28082}"
SPOOL_ADMIN_PORT="${BENCH_SPOOL_ADMIN_PORT:-29082}"
SPOOL_GW_PID=""

# Starts the spool gateway (after the bench gateway; same routes, its own ports, the spool on).
spool_setup() {
  local pg_port="${SLUICE_INFRA_POSTGRES_PORT:-25433}" dir="$RUN/spool-gateway"
  SPOOL_URI="postgresql://sluice:sluice@127.0.0.1:$pg_port/sluice"
  PGPASSWORD=sluice psql -X -q -h 127.0.0.1 -p "$pg_port" -U sluice -d sluice -c "CREATE SCHEMA $SPOOL_SCHEMA" \
    >"$RUN/spool-schema.log" 2>&1 || { cat "$RUN/spool-schema.log" >&2; die "could not create schema $SPOOL_SCHEMA"; }
  mkdir -p "$dir"
  sed -e "s/^  port: $HTTP_PORT\$/  port: $SPOOL_HTTP_PORT/" -e "s/^  port: $ADMIN_PORT\$/  port: $SPOOL_ADMIN_PORT/" \
    "$GW_CONFIG" >"$dir/gateway.yaml"
  cp "$RUN/gateway/routes.yaml" "$dir/routes.yaml"
  cat >>"$dir/gateway.yaml" <<EOF2
spool:
  enabled: true
store:
  uri: $SPOOL_URI
  schema: $SPOOL_SCHEMA
EOF2
  for p in "$SPOOL_HTTP_PORT" "$SPOOL_ADMIN_PORT"; do
    port_free "$p" || die "port $p is in use${p:+ by $(port_owner "$p")}: stop that process or set BENCH_SPOOL_HTTP_PORT / BENCH_SPOOL_ADMIN_PORT"
  done
  start_gateway "$dir" "$SPOOL_ADMIN_PORT" "spool gateway"
  SPOOL_GW_PID=$STARTED_PID
}

# Points run_wrk at the spool gateway (1) or back at the bench gateway (0).
use_spool_gateway() {
  if (($1)); then
    SAVED_GW=("$GW_PID" "$GW_URL" "$ADMIN_PORT")
    GW_PID=$SPOOL_GW_PID; GW_URL="http://127.0.0.1:$SPOOL_HTTP_PORT"; ADMIN_PORT=$SPOOL_ADMIN_PORT
  else
    GW_PID=${SAVED_GW[0]}; GW_URL=${SAVED_GW[1]}; ADMIN_PORT=${SAVED_GW[2]}
  fi
}

# Stops the spool gateway; adds what it counted as accepted to $1's name (a variable).
spool_teardown() {
  curl -fsS "http://127.0.0.1:$SPOOL_ADMIN_PORT/metrics" >"$RUN/spool-metrics-end.txt" 2>/dev/null || warn "could not read the spool gateway's /metrics"
  SPOOL_COUNTED=$(metric_sum sluice_ingest_events_total 'result="accepted"' "$RUN/spool-metrics-end.txt" 2>/dev/null || echo 0)
  log "stopping the spool gateway (SIGTERM)"
  stop_pid "$SPOOL_GW_PID" 45
  SPOOL_GW_PID=""
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
  gateway_mode "$round" batch "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$DURATION" 0
  normal="$(awk -F'\t' -v r="$round" '$1 == r && $2 == "batch" { print $3 }' "$ROWS" | tail -n1)"
  # the batch row is the reference of this round: its own "raw" is itself
  awk -F'\t' -v OFS='\t' -v r="$round" -v n="$normal" '$1 == r && $2 == "batch" { $14 = n } { print }' "$ROWS" >"$ROWS.tmp" \
    && mv "$ROWS.tmp" "$ROWS"

  use_spool_gateway 1
  if ((round == 1 && WARMUP > 0)); then
    log "warm-up of the spool gateway: ${WARMUP}s batches (not reported)"
    run_wrk warmup-spool "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$WARMUP"
  fi
  gateway_mode "$round" batch-spool "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$DURATION" "$normal"

  broker_pid
  log "round $round: killing Kafka (SIGKILL, pid $BROKER_PID); load until the spool gateway's Kafka breaker opens"
  kill -KILL "$BROKER_PID" 2>/dev/null || die "could not kill Kafka (pid $BROKER_PID)"
  KAFKA_AWAY=1
  deadline=$(($(date +%s) + 60))
  until [[ "$(spool_metric sluice_kafka_up)" == 0 ]]; do
    (($(date +%s) < deadline)) || die "the spool gateway still sees Kafka 60 s after the kill"
    sleep 0.2
  done
  wait_for_quiet
  log "round $round: spool-in ($BATCH_SIZE events/request, Kafka away, ${DURATION}s)"
  run_wrk "spool-in-$round" "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$DURATION"
  add_row "$round" spool-in "$(rate "$W_ACCEPTED" "$DURATION")" "$(rate "$W_ANSWERS" "$DURATION")" "$(ms "$W_P50")" \
    "$(ms "$W_P99")" "$(ms "$W_P999")" "${W_ERRORS:--}" "$W_ACCEPTED" "$W_LANDED" "$W_CPU_GW" "$W_CPU_BROKER" "$W_CPU_LOAD" \
    "$normal" "$W_CPU_OTHER" 1
  log "round $round: spool-in $(printf "%'d" "$(rate "$W_ACCEPTED" "$DURATION")") events/s spooled, errors ${W_ERRORS:-none}"

  spooled="$(spool_metric sluice_spool_events)"
  log "round $round: starting Kafka again; the relays drain $spooled spooled events"
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
  use_spool_gateway 0
}
