# shellcheck shell=bash
# The pool mode: sourced by load-tests/bench (--only pool). A no-op HTTP sink (dev.sluice.tools.SinkServer
# from the gateway's jar: every POST answered 204 at once, one event loop per core) runs for the whole
# run, on port $SINK_PORT. Per round:
#   sink  its own capacity: wrk, $POOL_CONCURRENCY connections (the subscription's concurrency), one
#         $EVENT_BYTES-byte envelope per POST with the headers a subscription sends (wrk/sink.lua), for
#         $DURATION s; events/s = 2xx answers / duration; landed = what the sink counted (GET /stats);
#   pool  the topic $POOL_TOPIC (6 partitions) recreated and filled with $POOL_EVENTS records as the
#         gateway's ingest writes them (tools/BridgeLoad.java fill: key, envelope, event-* headers); then a
#         gateway of its own (ports $POOL_HTTP_PORT/$POOL_ADMIN_PORT, the production defaults, a fresh
#         PostgreSQL schema and consumer group) starts with one subscription of that topic to the sink,
#         idempotent (the processed-events store on; BENCH_POOL_IDEMPOTENT=false for an A/B without it); events/s = the increase of
#         sluice_subscription_events_total{result="delivered"} from its first sample above 0 until all
#         $POOL_EVENTS were delivered (the crossing interpolated between two samples, 4 per second);
#         x raw = pool / sink of the same round (the target is >= 0.5).
# Checks: delivered = written, the sink counted at least as many calls, nothing dead-lettered; no
# progress for $POOL_STALL_SECONDS s (or more than $POOL_TIMEOUT s in all) fails the run, with the
# gateway's /metrics and log kept in pool-stall-<round>.txt.

POOL_TOPIC=bench-pool
POOL_SUB=bench-pool
POOL_HTTP_PORT="${BENCH_POOL_HTTP_PORT:-28083}"
POOL_ADMIN_PORT="${BENCH_POOL_ADMIN_PORT:-29083}"
SINK_PORT="${BENCH_SINK_PORT:-28090}"
POOL_STALL_SECONDS=30
POOL_TIMEOUT=900
POOL_TARGET=0.5
SINK_PID=""
POOL_GW_PID=""
POOL_WRITTEN=0          # records written to the topic, all rounds
POOL_DELIVERED=0        # delivered, all rounds
POOL_SINK_SAW=0         # calls the sink counted while the pool gateways ran
POOL_DEAD=0; POOL_DUPS=0; POOL_RETRIES=0; POOL_AMBIGUOUS=0
PG_PID=""

pool_setup() {
  local pg_port="${SLUICE_INFRA_POSTGRES_PORT:-25433}" deadline p
  POOL_PG_PORT=$pg_port
  POOL_STORE_URI="postgresql://sluice:sluice@127.0.0.1:$pg_port/sluice"
  PG_PID="$(read_pid "${SLUICE_INFRA_DIR:-$REPO/.infra}/bench/postgres/data/postmaster.pid")"
  pid_alive "$PG_PID" || PG_PID="$(ss -Hltnp "sport = :$pg_port" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)"
  [[ -n $PG_PID ]] || warn "PostgreSQL pid unknown: its CPU will read 0"
  PG_VERSION="$(PGPASSWORD=sluice psql -X -tA -h 127.0.0.1 -p "$pg_port" -U sluice -d sluice -c 'SHOW server_version' 2>/dev/null | head -n1 || true)"
  for p in "$SINK_PORT" "$POOL_HTTP_PORT" "$POOL_ADMIN_PORT"; do
    port_free "$p" || die "port $p is in use${p:+ by $(port_owner "$p")}: stop that process or set BENCH_SINK_PORT / BENCH_POOL_HTTP_PORT / BENCH_POOL_ADMIN_PORT"
  done
  # tools/BridgeLoad.java fills the topic; it compiles against the RabbitMQ client as well
  PERFTEST_LIBS="$HERE/.cache/perftest"
  ensure_perftest
  AMQP_JAR="$(compgen -G "$PERFTEST_LIBS/amqp-client-*.jar" | head -n1)"
  unzip -l "$GW_JAR" 'dev/sluice/tools/SinkServer.class' >/dev/null 2>&1 \
    || die "$(basename "$JAR") has no dev.sluice.tools.SinkServer (build the gateway: --build)"
  log "starting the sink: dev.sluice.tools.SinkServer --port $SINK_PORT --instances $(nproc) (no-op: 204 at once)"
  "$JAVA" -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$GW_JAR" dev.sluice.tools.SinkServer \
    --port "$SINK_PORT" --instances "$(nproc)" </dev/null >"$RUN/sink.log" 2>&1 &
  SINK_PID=$!
  deadline=$(($(date +%s) + 60))
  until grep -q '^sink listening on ' "$RUN/sink.log" 2>/dev/null; do
    kill -0 "$SINK_PID" 2>/dev/null || { cat "$RUN/sink.log" >&2; SINK_PID=""; die "the sink exited during start-up"; }
    (($(date +%s) < deadline)) || { cat "$RUN/sink.log" >&2; die "the sink did not start within 60 s"; }
    sleep 0.1
  done
  sink_ok >/dev/null
  SINK_URL="http://127.0.0.1:$SINK_PORT"
  log "sink ready (pid $SINK_PID, $SINK_URL)"
}

# The calls the sink answered 2xx (its GET /stats "ok").
sink_ok() {
  curl -fsS -m 5 "http://127.0.0.1:$SINK_PORT/stats" 2>/dev/null | sed -n 's/.*"ok":\([0-9]*\).*/\1/p' | grep . \
    || die "cannot read the sink's GET /stats"
}

# CPU ticks of PostgreSQL: the postmaster and its children (the backends, autovacuum, the WAL writer).
pg_ticks() {
  [[ -n $PG_PID ]] || { echo 0; return; }
  local s=0 p
  for p in "$PG_PID" $(ps -o pid= --ppid "$PG_PID" 2>/dev/null); do s=$((s + $(ticks "$p"))); done
  echo "$s"
}

# Transactions committed in the database so far (pg_stat_database; flushed by the backends about once a second).
pg_commits() {
  PGPASSWORD=sluice psql -X -tA -h 127.0.0.1 -p "$POOL_PG_PORT" -U sluice -d sluice \
    -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()" 2>/dev/null | head -n1 | grep . || echo 0
}

# One scrape of the pool gateway: "delivered dead_lettered skipped_duplicate retries ambiguous heap_bytes inflight".
pool_sample() {
  curl -fsS -m 2 "http://127.0.0.1:$POOL_ADMIN_PORT/metrics" 2>/dev/null | awk -v s="subscription=\"$POOL_SUB\"" '
    index($0, "sluice_subscription_events_total{") == 1 && index($0, s) {
      if (index($0, "result=\"delivered\"")) d += $NF
      else if (index($0, "result=\"dead-lettered\"")) x += $NF
      else if (index($0, "result=\"skipped-duplicate\"")) u += $NF
    }
    index($0, "sluice_subscription_retries_total{") == 1 && index($0, s) { r += $NF }
    index($0, "sluice_subscription_ambiguous_total{") == 1 && index($0, s) { a += $NF }
    index($0, "sluice_subscription_inflight{") == 1 && index($0, s) { f += $NF }
    index($0, "jvm_memory_used_bytes{") == 1 && index($0, "area=\"heap\"") { h += $NF }
    END { if (NR > 0) printf "%.0f %.0f %.0f %.0f %.0f %.0f %.0f\n", d, x, u, r, a, h, f }'
}

# p50 and p99 (ms) of the gateway's sink latency histogram (the upper bound of the bucket holding them).
sink_latency() {
  awk -v s="subscription=\"$POOL_SUB\"" '
    index($0, "sluice_subscription_sink_latency_seconds_bucket{") == 1 && index($0, s) {
      le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le); n++; b[n] = (le == "+Inf" ? 1e9 : le + 0); c[n] = $NF + 0 }
    END {
      if (n == 0) { print "- -"; exit }
      for (i = 2; i <= n; i++) for (j = i; j > 1 && b[j - 1] > b[j]; j--) { t = b[j]; b[j] = b[j - 1]; b[j - 1] = t; t = c[j]; c[j] = c[j - 1]; c[j - 1] = t }
      total = c[n]; p50 = "-"; p99 = "-"
      for (i = 1; i <= n; i++) {
        if (p50 == "-" && c[i] >= 0.5 * total) p50 = sprintf("%.2f", b[i] * 1000)
        if (p99 == "-" && c[i] >= 0.99 * total) p99 = sprintf("%.2f", b[i] * 1000)
      }
      print p50, p99
    }' "$1"
}

pool_sink_warm_up() {
  ((WARMUP > 0)) || return 0
  log "sink warm-up: ${WARMUP}s of wrk (not reported)"
  wrk -t"$THREADS" -c"$POOL_CONCURRENCY" -d"$((WARMUP + GRACE))s" --timeout "${WRK_TIMEOUT}s" \
    -s "$HERE/wrk/sink.lua" "$SINK_URL" -- "$EVENT_BYTES" "$WARMUP" /events >"$RUN/wrk-sink-warmup.out" 2>&1 \
    || { cat "$RUN/wrk-sink-warmup.out" >&2; die "wrk failed (sink warm-up)"; }
}

# sink_capacity ROUND: wrk against the sink alone; sets SINK_RATE.
sink_capacity() {
  local round="$1" out t0 t1 k0 k1 l0 l1 s0 s1 ok0 ok1 pid
  out="$RUN/wrk-sink-$round.out"
  wait_for_quiet
  log "round $round: sink (wrk, $POOL_CONCURRENCY connections, 1 envelope of $EVENT_BYTES B per POST, ${DURATION}s)"
  ok0=$(sink_ok)
  wrk -t"$THREADS" -c"$POOL_CONCURRENCY" -d"$((DURATION + GRACE))s" --timeout "${WRK_TIMEOUT}s" --latency \
    -s "$HERE/wrk/sink.lua" "$SINK_URL" -- "$EVENT_BYTES" "$DURATION" /events >"$out" 2>&1 &
  LOADGEN_PID=$!; pid=$LOADGEN_PID
  t0=$(now_ms); k0=$(ticks "$SINK_PID"); l0=$(ticks "$pid"); s0=$(sys_ticks)
  sleep "$DURATION"
  t1=$(now_ms); k1=$(ticks "$SINK_PID"); l1=$(ticks "$pid"); s1=$(sys_ticks)
  wait "$pid" || { cat "$out" >&2; LOADGEN_PID=""; die "wrk failed (sink, round $round)"; }
  LOADGEN_PID=""
  kill -0 "$SINK_PID" 2>/dev/null || { tail -n 20 "$RUN/sink.log" >&2; die "the sink exited during round $round"; }
  ok1=$(sink_ok)
  local line
  line="$(grep '^SLUICE_WRK ' "$out" | head -n1)"
  [[ -n $line ]] || { cat "$out" >&2; die "wrk printed no SLUICE_WRK line (sink, round $round)"; }
  W_JSON="${line#SLUICE_WRK }"
  local accepted answers non2xx errors cs cl
  accepted=$(jget accepted_events); answers=$(jget answers); non2xx=$(jget non_2xx)
  errors=""
  ((non2xx == 0)) || errors="non-2xx:$non2xx"
  errors="$errors$(sed -e 's/.*"socket_errors":{\([^}]*\)}.*/\1/' <<<"$W_JSON" | tr ',' '\n' | tr -d '"' \
    | awk -F: '$2 > 0 { printf " %s:%s", $1, $2 }')"
  errors="${errors# }"
  SINK_RATE=$(rate "$accepted" "$DURATION")
  cs=$(cores "$k0" "$k1" $((t1 - t0))); cl=$(cores "$l0" "$l1" $((t1 - t0)))
  add_row "$round" sink "$SINK_RATE" "$(rate "$answers" "$DURATION")" "$(ms "$(jget p50_us)")" "$(ms "$(jget p99_us)")" \
    "$(ms "$(jget p999_us)")" "${errors:--}" "$accepted" "$((ok1 - ok0))" "$cs" 0 "$cl" "$SINK_RATE" \
    "$(other_cores "$(cores "$s0" "$s1" $((t1 - t0)))" "$cs" 0 "$cl")"
  log "round $round: sink $(printf "%'d" "$SINK_RATE") requests/s (2xx), p50/p99 $(ms "$(jget p50_us)")/$(ms "$(jget p99_us)") ms, errors ${errors:-none}, the sink counted $((ok1 - ok0)) of $accepted; CPU sink/wrk/other $cs/$cl/$(awk -F'\t' 'END { print $15 }' "$ROWS")"
}

# Keep the evidence of a stall, then fail.
pool_stall() {
  local round="$1" why="$2" f="$RUN/pool-stall-$1.txt"
  {
    echo "# round $round: $why ($(date -u +%FT%TZ))"
    echo "# /metrics sluice_subscription_*"
    curl -fsS -m 5 "http://127.0.0.1:$POOL_ADMIN_PORT/metrics" 2>&1 | grep '^sluice_subscription\|^sluice_breaker' || true
    echo "# sink /stats"; curl -fsS -m 5 "$SINK_URL/stats" 2>&1 || true
    echo; echo "# gateway log (last 60 lines)"; tail -n 60 "$RUN/pool-gateway-$round/gateway.log"
  } >"$f" 2>&1
  die "round $round: $why (evidence in $f)"
}

# pool_run ROUND SINK_RATE: fill the topic, start the subscription's gateway, measure its drain.
pool_run() {
  local round="$1" raw="$2" dir schema slog fill_out written
  dir="$RUN/pool-gateway-$round"; schema="bench_pool_${TS,,}_r$round"; slog="$RUN/pool-$round.log"
  recreate_topics "$POOL_TOPIC" "$POOL_TOPIC.dlq"
  PGPASSWORD=sluice psql -X -q -h 127.0.0.1 -p "$POOL_PG_PORT" -U sluice -d sluice -c "CREATE SCHEMA $schema" \
    >"$RUN/pool-schema.log" 2>&1 || { cat "$RUN/pool-schema.log" >&2; die "could not create schema $schema"; }
  log "round $round: pool: writing $POOL_EVENTS records to $POOL_TOPIC (as the ingest writes them)"
  fill_out="$RUN/pool-fill-$round.out"
  "$JAVA" -Xmx512m -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -cp "$KAFKA_LIBS/*:$AMQP_JAR" \
    "$HERE/tools/BridgeLoad.java" fill --bootstrap "$BOOTSTRAP" --topic "$POOL_TOPIC" --records "$POOL_EVENTS" \
    --event-bytes "$EVENT_BYTES" >"$fill_out" 2>>"$RUN/bridge-tool.log" \
    || { cat "$fill_out" >&2; die "filling $POOL_TOPIC failed (log: $RUN/bridge-tool.log)"; }
  written=$(end_offsets "$POOL_TOPIC")
  ((written == POOL_EVENTS)) || die "round $round: $POOL_TOPIC holds $written records, not $POOL_EVENTS"
  mkdir -p "$dir"
  cat >"$dir/gateway.yaml" <<EOF
# bench --only pool: the production defaults of src/main/resources/conf/sluice.yaml, with only these overridden
http:
  port: $POOL_HTTP_PORT
admin:
  port: $POOL_ADMIN_PORT
  metrics-open: true  # the bench scrapes /metrics
kafka:
  bootstrap-servers: $BOOTSTRAP
routing:
  file: routes.yaml
auth:
  mode: none   # the auth rows set their own (issue 13)
store:
  uri: $POOL_STORE_URI
  schema: $schema
subscriptions:
  file: subscriptions.yaml
  group-id-prefix: bench-$TS-r$round
EOF
  cat >"$dir/routes.yaml" <<EOF
routes:
  - match: "#"
    topic: $TOPIC
EOF
  cat >"$dir/subscriptions.yaml" <<EOF
subscriptions:
  - name: $POOL_SUB
    source:
      topics: [$POOL_TOPIC]
    sink:
      http: "$SINK_URL/events"
    concurrency: $POOL_CONCURRENCY
    idempotent: $POOL_IDEMPOTENT
EOF
  wait_for_quiet
  local ok0 g_start
  ok0=$(sink_ok)
  g_start=$(date +%s)
  start_gateway "$dir" "$POOL_ADMIN_PORT" "pool gateway (round $round)"
  POOL_GW_PID=$STARTED_PID
  ((round > 1)) || HEAP_MAX_BYTES="$(heap_max "$POOL_ADMIN_PORT")"
  # ---- from the first delivery until all are delivered
  local smp d t prev_d=0 prev_t="" t0="" d0 t1="" g0 k0 p0 q0 s0 x0=0 g1 k1 p1 q1 s1 x1=0 last_change heap
  : >"$slog"
  last_change=$(date +%s)
  while :; do
    smp="$(pool_sample)"
    t=$(now_ms)
    if [[ -z $smp ]]; then
      kill -0 "$POOL_GW_PID" 2>/dev/null || { tail -n 20 "$dir/gateway.log" >&2; POOL_GW_PID=""; die "the pool gateway exited during round $round"; }
      smp="$prev_d 0 0 0 0 0 0"
    fi
    d=${smp%% *}
    echo "$t $smp" >>"$slog"
    heap="$(awk '{ print $6 }' <<<"$smp")"
    ((${heap:-0} > HEAP_PEAK)) && HEAP_PEAK=$heap
    if [[ -z $t0 ]] && ((d > 0)); then
      t0=$t; d0=$d
      g0=$(ticks "$POOL_GW_PID"); k0=$(ticks "$BROKER_PID"); p0=$(pg_ticks); q0=$(ticks "$SINK_PID"); s0=$(sys_ticks)
      x0=$(pg_commits)
      task_ticks "$POOL_GW_PID" >"$RUN/threads-pool-$round.before"
    fi
    if ((d >= POOL_EVENTS)); then
      g1=$(ticks "$POOL_GW_PID"); k1=$(ticks "$BROKER_PID"); p1=$(pg_ticks); q1=$(ticks "$SINK_PID"); s1=$(sys_ticks)
      x1=$(pg_commits)
      task_ticks "$POOL_GW_PID" >"$RUN/threads-pool-$round.after"
      # the moment the last one was delivered, between the two samples
      t1=$(awk -v pt="$prev_t" -v pd="$prev_d" -v t="$t" -v d="$d" -v n="$POOL_EVENTS" \
        'BEGIN { if (pt == "" || d <= pd) print t; else printf "%.0f", pt + (n - pd) / (d - pd) * (t - pt) }')
      break
    fi
    ((d != prev_d)) && last_change=$(date +%s)
    (($(date +%s) - last_change < POOL_STALL_SECONDS)) \
      || pool_stall "$round" "no delivery for ${POOL_STALL_SECONDS}s ($d of $POOL_EVENTS delivered)"
    (($(date +%s) - g_start < POOL_TIMEOUT)) || pool_stall "$round" "not all delivered within ${POOL_TIMEOUT}s ($d of $POOL_EVENTS)"
    prev_d=$d; prev_t=$t
    sleep 0.25
  done
  [[ -n $t0 ]] || { t0=$t; d0=0; }   # all delivered before the first sample above 0: a rate of 0, reported
  local ms=$((t1 - t0)) ev
  ((ms > 0)) || ms=1
  ev=$(awk -v n=$((POOL_EVENTS - d0)) -v ms="$ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
  ((d0 < POOL_EVENTS)) || ev=0
  W_THREADS="$(hot_threads "$RUN/threads-pool-$round.before" "$RUN/threads-pool-$round.after" "$ms")"
  # ---- checks: everything delivered once, nothing dead-lettered; then the gateway stops
  curl -fsS "http://127.0.0.1:$POOL_ADMIN_PORT/metrics" >"$RUN/pool-metrics-$round.txt" 2>/dev/null || warn "could not read the pool gateway's /metrics"
  local delivered dead dups retries ambiguous lat saw dlq errors="" ok=0
  read -r delivered dead dups retries ambiguous _ < <(pool_sample)
  read -r P_P50 P_P99 < <(sink_latency "$RUN/pool-metrics-$round.txt")
  saw=$(($(sink_ok) - ok0))
  log "round $round: stopping the pool gateway (SIGTERM)"
  stop_pid "$POOL_GW_PID" 45
  local rc=0
  wait "$POOL_GW_PID" 2>/dev/null || rc=$?
  POOL_GW_PID=""; POOL_EXIT=$rc
  dlq=$(end_offsets "$POOL_TOPIC.dlq")
  ((dead > 0 || dlq > 0)) && errors="dead-lettered:$((dead > dlq ? dead : dlq))"
  ((retries > 0)) && errors="${errors:+$errors }retries:$retries"
  ((dups > 0)) && errors="${errors:+$errors }duplicates-skipped:$dups"
  ((saw < delivered)) && errors="${errors:+$errors }sink-saw:$saw"
  ((rc == 0)) || errors="${errors:+$errors }exit:$rc"
  ((delivered == POOL_EVENTS && saw >= delivered && dead == 0 && dlq == 0)) && ok=1
  POOL_WRITTEN=$((POOL_WRITTEN + written)); POOL_DELIVERED=$((POOL_DELIVERED + delivered)); POOL_SINK_SAW=$((POOL_SINK_SAW + saw))
  POOL_DEAD=$((POOL_DEAD + dead)); POOL_DUPS=$((POOL_DUPS + dups)); POOL_RETRIES=$((POOL_RETRIES + retries)); POOL_AMBIGUOUS=$((POOL_AMBIGUOUS + ambiguous))
  local cg ck cp cq
  cg=$(cores "$g0" "$g1" "$ms"); ck=$(cores "$k0" "$k1" "$ms"); cp=$(cores "$p0" "$p1" "$ms"); cq=$(cores "$q0" "$q1" "$ms")
  local cb
  cb=$(awk -v a="$ck" -v b="$cp" 'BEGIN { printf "%.2f", a + b }')
  add_row "$round" pool "$ev" - "$P_P50" "$P_P99" - "${errors:--}" "$written" "$delivered" "$cg" "$cb" "$cq" "$raw" \
    "$(other_cores "$(cores "$s0" "$s1" "$ms")" "$cg" "$cb" "$cq")" "$ok"
  printf '%s\t%s\t%s\n' "$round" pool "$W_THREADS" >>"$RUN/threads.tsv"
  log "round $round: pool $(printf "%'d" "$ev") events/s delivered ($((POOL_EVENTS - d0)) in ${ms} ms after the first $d0) = $(awk -v a="$ev" -v b="$raw" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') x sink; sink latency p50/p99 <= $P_P50/$P_P99 ms; delivered $delivered of $written, the sink counted $saw$( ((ok)) && echo " ok" || echo " MISMATCH"), errors ${errors:-none}"
  log "round $round: CPU gateway/kafka/postgresql/sink/other $cg/$ck/$cp/$cq/$(awk -F'\t' 'END { print $15 }' "$ROWS"); PostgreSQL $(awk -v x=$((x1 - x0)) -v ms="$ms" -v n=$((POOL_EVENTS - d0)) 'BEGIN { printf "%.0f commits/s, %.1f events per commit", x / (ms / 1000), (x > 0 ? n / x : 0) }'); little's law: $POOL_CONCURRENCY deliveries in progress / $(printf "%'d" "$ev") events/s = $(awk -v c="$POOL_CONCURRENCY" -v e="$ev" 'BEGIN { printf "%.1f", (e > 0 ? c / e * 1000 : 0) }') ms per delivery (the sink's p50 <= $P_P50 ms); events taken and not finished: $(awk -v t0="$t0" -v t1="$t1" '$1 >= t0 && $1 <= t1 { s += $8; n++ } END { printf "%.0f", (n ? s / n : 0) }' "$slog") on average"
  log "round $round: gateway threads (cores): $W_THREADS"
}

pool_mode() {   # pool_mode ROUND
  sink_capacity "$1"
  pool_run "$1" "$SINK_RATE"
}

pool_teardown() {
  if [[ -n $SINK_PID ]] && kill -0 "$SINK_PID" 2>/dev/null; then
    log "stopping the sink (pid $SINK_PID)"
    stop_pid "$SINK_PID" 15
  fi
  SINK_PID=""
  TOTAL_ACCEPTED=$POOL_WRITTEN
  LANDED_TOTAL=$POOL_DELIVERED
  GW_EXIT=${POOL_EXIT:--}
}
