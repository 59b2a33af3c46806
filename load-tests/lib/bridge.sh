# shellcheck shell=bash
# The bridge mode: sourced by load-tests/bench (--bridge, --only bridge). Per round:
#   perftest  RabbitMQ PerfTest (com.rabbitmq:perf-test, Maven Central), 1 producer publishing persistent
#             messages of $EVENT_BYTES bytes with publisher confirms (at most $BRIDGE_CONFIRM unconfirmed) to
#             the durable classic queue the bridge writes to, for $DURATION s, nothing consuming: the
#             RabbitMQ publish-with-confirms limit of this machine (the "raw" of the bridge row);
#   bridge    the topic $BRIDGE_TOPIC (6 partitions) is filled with records as the gateway's ingest writes
#             them (tools/BridgeLoad.java: key, envelope, event-* headers) while the gateway's Kafka ->
#             RabbitMQ route (started once, default bridge settings) drains it; once the fill is done the
#             route's messages/s are measured for $DURATION s from sluice_bridge_messages_total (a backlog
#             remains at the end, so the bridge is never starved); then the rest is drained and checked:
#             bridged = written, committed offsets = written, queue depth >= bridged.
# The queue is deleted and re-created before each of them (RabbitMQ keeps no backlog across runs).

BRIDGE_TOPIC=bench-bridge
BRIDGE_EXCHANGE=bench-bridge
BRIDGE_QUEUE=bench-bridge
BRIDGE_ROUTE=bench-bridge
BRIDGE_RK_TEMPLATE="bench.{event-type}"     # the route's routing key over the records' event-type header
BRIDGE_RK="bench.bench.measured"            # ... as rendered; PerfTest publishes with it
BRIDGE_BINDING="bench.#"
BRIDGE_STALL_SECONDS=20                     # no progress for this long while records remain = a stall
BRIDGE_STALLED=0
BRIDGE_WRITTEN=0        # records written to $BRIDGE_TOPIC (end offsets), incl. warm-up
BRIDGE_QUEUED=0         # messages found in the queue after each drained bridge run, incl. warm-up
BRIDGE_LAST_RATE=0
BRIDGE_ALARMS=""        # RabbitMQ alarms seen after a run

# ------------------------------------------------------------------------------------------- setup
ensure_perftest() {
  local pom="$HERE/perftest/pom.xml" want marker tmp
  want="$(sha256sum "$pom" | cut -c1-16)"
  marker="$PERFTEST_LIBS/.complete"
  [[ -f $marker && "$(cat "$marker")" == "$want" ]] && return 0
  log "fetching RabbitMQ PerfTest into ${PERFTEST_LIBS#"$REPO"/} (Maven Central) ..."
  tmp="$PERFTEST_LIBS.tmp.$$"
  rm -rf "$PERFTEST_LIBS".tmp.*
  mvnw -B -q -f load-tests/perftest/pom.xml dependency:copy-dependencies "-Dperftest.libs.dir=$tmp" </dev/null \
    >"$RUN/perftest-fetch.log" 2>&1 \
    || { tail -n 20 "$RUN/perftest-fetch.log" >&2; rm -rf "$tmp"; die "could not fetch PerfTest (./mvnw -f load-tests/perftest/pom.xml dependency:copy-dependencies)"; }
  compgen -G "$tmp/perf-test-*.jar" >/dev/null && compgen -G "$tmp/amqp-client-*.jar" >/dev/null \
    || { rm -rf "$tmp"; die "perf-test or amqp-client jar missing after dependency:copy-dependencies"; }
  echo "$want" >"$tmp/.complete"
  rm -rf "$PERFTEST_LIBS"
  mv "$tmp" "$PERFTEST_LIBS"
}

# rabbitmqctl / rabbitmq-diagnostics against the bench node (its HOME holds the Erlang cookie).
rmqctl() {
  local tool="$1"; shift
  HOME="$RABBIT_HOME" timeout 60 "/usr/lib/rabbitmq/bin/$tool" -q -n "$RABBIT_NODE" "$@" </dev/null 2>>"$RUN/rabbitmqctl.log"
}

# tools/BridgeLoad.java with the Kafka client and the RabbitMQ client
bridge_tool() {
  "$JAVA" -Xmx512m -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -cp "$KAFKA_LIBS/*:$AMQP_JAR" "$HERE/tools/BridgeLoad.java" "$@" 2>>"$RUN/bridge-tool.log"
}

# reset_queue: delete, re-create (durable classic) and bind the queue; the exchange is declared too.
reset_queue() {
  bridge_tool queue --uri "$RABBIT_URI" --exchange "$BRIDGE_EXCHANGE" --queue "$BRIDGE_QUEUE" \
    --binding "$BRIDGE_BINDING" --reset true >/dev/null || die "could not (re)create queue $BRIDGE_QUEUE (log: $RUN/bridge-tool.log)"
}
queue_depth() {
  bridge_tool count --uri "$RABBIT_URI" --queue "$BRIDGE_QUEUE" | sed -n 's/.*"messages":\([0-9]*\).*/\1/p' | grep . \
    || die "could not read the depth of queue $BRIDGE_QUEUE (log: $RUN/bridge-tool.log)"
}

# RabbitMQ's resource alarms (memory, disk): they block every publisher. Sets ALARM ("" when none): an
# alarm in force now (rabbitmq-diagnostics), or one set and maybe cleared since the last call (the node's
# log: "memory resource limit alarm set on node ...").
RABBIT_LOG_POS=0
check_alarms() {
  ALARM=""
  local log="$RABBIT_HOME/log/$RABBIT_NODE.log" size past
  if [[ -f $log ]]; then
    size=$(stat -c %s "$log")
    ((size >= RABBIT_LOG_POS)) || RABBIT_LOG_POS=0   # rotated
    if [[ $1 != start ]]; then
      past="$(tail -c +"$((RABBIT_LOG_POS + 1))" "$log" | head -c "$((size - RABBIT_LOG_POS))" \
        | grep -E 'alarm (set|cleared) ' | sed -E 's/^[0-9-]+ ([0-9:]+)\.[0-9]+\S* \[[a-z]+\] <[^>]*> /\1 /' | tr '\n' ';' | sed 's/;$//' || true)"
      [[ -z $past ]] || ALARM="$past"
    fi
    RABBIT_LOG_POS=$size
  fi
  if ! rmqctl rabbitmq-diagnostics check_alarms >/dev/null; then
    ALARM="${ALARM:+$ALARM; }now: $(rmqctl rabbitmq-diagnostics alarms | tr '\n' ' ' | sed 's/ *$//' || true)"
  fi
  if [[ -n $ALARM ]]; then
    warn "RabbitMQ alarm ($1): $ALARM"
    BRIDGE_ALARMS="${BRIDGE_ALARMS:+$BRIDGE_ALARMS; }$1: $ALARM"
  fi
}

# Sum of the committed offsets of the bridge's consumer group on its topic (0 before any commit).
committed_offsets() {
  kjava org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$BOOTSTRAP" \
    --describe --group "$BRIDGE_GROUP" \
    | awk -v t="$BRIDGE_TOPIC" '$2 == t && $4 ~ /^[0-9]+$/ { s += $4 } END { printf "%.0f", s }'
}

# One scrape of the bridge gateway: "bridged unconfirmed inflight paused heap_bytes" (empty on failure).
bridge_sample() {
  curl -fsS -m 2 "http://127.0.0.1:$BRIDGE_ADMIN_PORT/metrics" 2>/dev/null | awk '
    index($0, "sluice_bridge_messages_total{") == 1 && index($0, "result=\"bridged\"") { b += $NF }
    index($0, "sluice_bridge_unconfirmed{") == 1 { u += $NF }
    index($0, "sluice_bridge_inflight{") == 1 { f += $NF }
    index($0, "sluice_bridge_paused_partitions{") == 1 { p += $NF }
    index($0, "jvm_memory_used_bytes{") == 1 && index($0, "area=\"heap\"") { h += $NF }
    END { if (NR > 0) printf "%.0f %.0f %.0f %.0f %.0f\n", b, u, f, p, h }'
}
bridged_total() { local s; s="$(bridge_sample)"; [[ -n $s ]] || die "cannot read the bridge gateway's /metrics"; echo "${s%% *}"; }

# Keep the evidence of a stall: the bridge metrics, the gateway log's end, RabbitMQ's view.
bridge_stall() {
  local what="$1" f="$RUN/bridge-stall-$1.txt"
  BRIDGE_STALLED=1
  {
    echo "# $what: no progress for ${BRIDGE_STALL_SECONDS}s while records remain ($(date -u +%FT%TZ))"
    echo "# /metrics sluice_bridge_*"
    curl -fsS -m 5 "http://127.0.0.1:$BRIDGE_ADMIN_PORT/metrics" 2>&1 | grep '^sluice_bridge' || true
    echo "# committed offsets"; kjava org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$BOOTSTRAP" --describe --group "$BRIDGE_GROUP" || true
    echo "# rabbitmq alarms"; rmqctl rabbitmq-diagnostics alarms || true
    echo "# rabbitmq queues"; rmqctl rabbitmqctl list_queues name messages consumers || true
    echo "# rabbitmq connections"; rmqctl rabbitmqctl list_connections name state blocked_by blocked_reason || true
    echo "# gateway log (last 60 lines)"; tail -n 60 "$RUN/bridge-gateway/gateway.log"
  } >"$f" 2>&1
  warn "the bridge STALLED ($what): evidence in $f; sluice_bridge_* now:"
  grep '^sluice_bridge' "$f" | grep -v 'consumer_lag' | sed 's/^/  /' >&2 || true
}

# wait_drained WHAT: until the route bridged every record written and committed every offset.
# Sets D_BRIDGED, D_COMMITTED; returns 1 on a stall.
wait_drained() {
  local what="$1" last=-1 last_change now
  last_change=$(date +%s)
  while :; do
    D_BRIDGED="$(bridged_total)"
    now=$(date +%s)
    if ((D_BRIDGED >= BRIDGE_WRITTEN)); then
      D_COMMITTED="$(committed_offsets)"
      ((D_COMMITTED >= BRIDGE_WRITTEN)) && return 0
      ((now - last_change < BRIDGE_STALL_SECONDS + 10)) || { warn "$what: bridged all, but offsets committed $D_COMMITTED of $BRIDGE_WRITTEN"; return 0; }
    else
      if ((D_BRIDGED != last)); then last=$D_BRIDGED; last_change=$now; fi
      if ((now - last_change >= BRIDGE_STALL_SECONDS)); then bridge_stall "$what"; D_COMMITTED="$(committed_offsets)"; return 1; fi
    fi
    sleep 1
  done
}

# ------------------------------------------------------------------------------------------- runs
bridge_warm_up() {
  ((WARMUP > 0)) || return 0
  local n=$((8000 * WARMUP))
  log "bridge warm-up: $n records through the route (not reported)"
  bridge_tool fill --bootstrap "$BOOTSTRAP" --topic "$BRIDGE_TOPIC" --records "$n" --event-bytes "$EVENT_BYTES" >"$RUN/fill-warmup.out" \
    || { cat "$RUN/fill-warmup.out" >&2; die "filling $BRIDGE_TOPIC failed (log: $RUN/bridge-tool.log)"; }
  BRIDGE_WRITTEN=$(end_offsets "$BRIDGE_TOPIC")
  wait_drained warm-up || return 0
  BRIDGE_QUEUED=$((BRIDGE_QUEUED + $(queue_depth)))
  check_alarms warm-up
}

perftest_limit() {   # perftest_limit ROUND: sets P_RATE
  local round="$1" out csv t0 t1 g0 b0 l0 s0 lg lb lt ls pid deadline
  out="$RUN/perftest-$round.out"; csv="$RUN/perftest-$round.csv"
  reset_queue
  wait_for_quiet
  log "round $round: perftest (1 producer, persistent $EVENT_BYTES B, confirms <= $BRIDGE_CONFIRM unconfirmed, ${DURATION}s)"
  (cd "$RUN" && exec "$JAVA" -Xms256m -Xmx512m -XX:+UseParallelGC -cp "$PERFTEST_LIBS/*" com.rabbitmq.perf.PerfTest \
    -h "$RABBIT_URI" -e "$BRIDGE_EXCHANGE" -t topic -k "$BRIDGE_RK" -u "$BRIDGE_QUEUE" -p -sb \
    -x 1 -y 0 -s "$EVENT_BYTES" -f persistent -c "$BRIDGE_CONFIRM" -z "$DURATION" -i 1 \
    -o "$csv" --id "perftest-$round") >"$out" 2>&1 &
  LOADGEN_PID=$!; pid=$LOADGEN_PID
  # the window starts when its producer starts (not the JVM's start-up)
  deadline=$(($(date +%s) + 60))
  until grep -q 'starting producer' "$out" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" || true; cat "$out" >&2; LOADGEN_PID=""; die "PerfTest exited before starting (round $round)"; }
    (($(date +%s) < deadline)) || { kill -TERM "$pid"; die "PerfTest did not start within 60 s"; }
    sleep 0.05
  done
  t0=$(now_ms); g0=$(ticks "$BR_PID"); b0=$(($(ticks "$BROKER_PID") + $(ticks "$RABBIT_PID"))); l0=$(ticks "$pid"); s0=$(sys_ticks)
  lg=$g0; lb=$b0; lt=$l0; ls=$s0; t1=$t0
  local x
  while kill -0 "$pid" 2>/dev/null; do   # last readings before it exits (an exiting process reads 0: keep the last)
    x=$(ticks "$pid"); ((x >= lt)) || break
    lt=$x; lg=$(ticks "$BR_PID"); lb=$(($(ticks "$BROKER_PID") + $(ticks "$RABBIT_PID"))); ls=$(sys_ticks); t1=$(now_ms)
    ((t1 - t0 < (DURATION + 60) * 1000)) || { kill -TERM "$pid"; die "PerfTest ran more than $((DURATION + 60)) s"; }
    sleep 0.25
  done
  wait "$pid" || { cat "$out" >&2; LOADGEN_PID=""; die "PerfTest failed (log: $out)"; }
  LOADGEN_PID=""
  [[ -s $csv ]] || { cat "$out" >&2; die "PerfTest wrote no samples (log: $out)"; }
  # per-second samples: "id,time (s),published (msg/s),returned,confirmed (msg/s),nacked (msg/s),..."
  local confirmed published nacked summary p50 p99
  read -r confirmed published nacked < <(awk -F, 'NR > 1 { dt = $2 - t; t = $2; c += $5 * dt; p += $3 * dt; n += $6 * dt }
    END { printf "%.0f %.0f %.0f\n", c, p, n }' "$csv")
  P_RATE=$(awk -F, 'NR > 1 { dt = $2 - t; t = $2; c += $5 * dt } END { printf "%.0f", (t > 0 ? c / t : 0) }' "$csv")
  # "id: perftest-1, confirm latency min/median/75th/95th/99th 629/52788/85461/143927/176424 µs"
  summary="$(grep 'confirm latency min/median' "$out" | tail -n1)"
  p50=$(awk '{ n = split($NF == "µs" ? $(NF - 1) : $NF, v, "/"); if (n == 5) printf "%.2f", v[2] / 1000; else print "-" }' <<<"$summary")
  p99=$(awk '{ n = split($NF == "µs" ? $(NF - 1) : $NF, v, "/"); if (n == 5) printf "%.2f", v[5] / 1000; else print "-" }' <<<"$summary")
  local depth errors=""
  depth=$(queue_depth)
  ((nacked > 0)) && errors="nacked:$nacked"
  check_alarms "perftest-$round"
  [[ -z $ALARM ]] || errors="${errors:+$errors }alarm:1"
  # the queue holds what was confirmed, and what was sent unconfirmed when PerfTest stopped; the
  # per-second rates it reports round each sample, hence the tolerance of one message per sample
  local ok=0 samples
  samples=$(($(wc -l <"$csv") - 1))
  ((depth + samples >= confirmed)) && ok=1
  local cg cb cl
  cg=$(cores "$g0" "$lg" $((t1 - t0))); cb=$(cores "$b0" "$lb" $((t1 - t0))); cl=$(cores "$l0" "$lt" $((t1 - t0)))
  add_row "$round" perftest "$P_RATE" - "${p50:--}" "${p99:--}" - "${errors:--}" "$confirmed" "$depth" \
    "$cg" "$cb" "$cl" "$P_RATE" "$(other_cores "$(cores "$s0" "$ls" $((t1 - t0)))" "$cg" "$cb" "$cl")" "$ok"
  log "round $round: perftest $(printf "%'d" "$P_RATE") msg/s confirmed (published $published, nacked $nacked), confirm p50/p99 ${p50}/${p99} ms, in queue $depth, CPU gw/broker/perftest $cg/$cb/$cl"
}

bridge_run() {   # bridge_run ROUND RAW_RATE (PerfTest's rate of the round)
  local round="$1" raw="$2" est n fill_out t0 t1 g0 g1 b0 b1 s0 s1 c0 c1 base0 written0 committed0
  local slog="$RUN/bridge-$round.log" errors=""
  reset_queue
  wait_for_quiet
  # enough records that a backlog remains at the end of the window: 1.5 x the expected rate x duration, and
  # at least 12 s of it (the route drains while the fill and the offsets read run: a short --smoke window
  # would otherwise start with the topic already drained)
  est=$(( BRIDGE_LAST_RATE > raw ? BRIDGE_LAST_RATE : raw ))
  n=$(awk -v e="$est" -v d="$DURATION" 'BEGIN { s = 1.5 * d + 3; if (s < 12) s = 12; n = e * s; if (n < 20000) n = 20000; printf "%.0f", n }')
  base0=$(bridged_total); written0=$BRIDGE_WRITTEN; committed0=$(committed_offsets)
  log "round $round: bridge: writing $n records to $BRIDGE_TOPIC (the route drains it meanwhile), then ${DURATION}s measured"
  fill_out="$RUN/fill-$round.out"
  bridge_tool fill --bootstrap "$BOOTSTRAP" --topic "$BRIDGE_TOPIC" --records "$n" --event-bytes "$EVENT_BYTES" >"$fill_out" \
    || { cat "$fill_out" >&2; die "filling $BRIDGE_TOPIC failed (log: $RUN/bridge-tool.log)"; }
  BRIDGE_WRITTEN=$(end_offsets "$BRIDGE_TOPIC")
  # ---- the measured window
  : >"$slog"
  task_ticks "$BR_PID" >"$RUN/threads-bridge-$round.before"
  t0=$(now_ms); g0=$(ticks "$BR_PID"); b0=$(($(ticks "$BROKER_PID") + $(ticks "$RABBIT_PID"))); s0=$(sys_ticks)
  c0=$(bridged_total)
  local end=$((t0 + DURATION * 1000)) smp prev=$c0 still=0 idle=0 heap
  while (($(now_ms) < end)); do
    sleep 1
    smp="$(bridge_sample)"
    echo "$(($(now_ms) - t0)) $smp" >>"$slog"
    heap="$(awk '{ print $5 }' <<<"$smp")"
    ((${heap:-0} > HEAP_PEAK)) && HEAP_PEAK=$heap
    if [[ ${smp%% *} == "$prev" ]]; then ((++still)); else still=0; prev=${smp%% *}; fi
    ((still >= 3 && ${smp%% *} < BRIDGE_WRITTEN)) && idle=1
  done
  c1=$(bridged_total)
  t1=$(now_ms); g1=$(ticks "$BR_PID"); b1=$(($(ticks "$BROKER_PID") + $(ticks "$RABBIT_PID"))); s1=$(sys_ticks)
  task_ticks "$BR_PID" >"$RUN/threads-bridge-$round.after"
  W_THREADS="$(hot_threads "$RUN/threads-bridge-$round.before" "$RUN/threads-bridge-$round.after" $((t1 - t0)))"
  bridge_alive "bridge round $round"
  local ev remaining
  ev=$(awk -v n=$((c1 - c0)) -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ms / 1000) }')
  remaining=$((BRIDGE_WRITTEN - c1))
  if ((remaining <= 0)); then
    errors="starved:1"; warn "round $round: the bridge ran out of records before the window ended: its rate is a lower bound"
  fi
  ((idle)) && { errors="${errors:+$errors }no-progress:1"; warn "round $round: no progress for >= 3 s during the window, while records remained (see $slog)"; }
  log "round $round: bridge $(printf "%'d" "$ev") msg/s ($((c1 - c0)) in $((t1 - t0)) ms; $remaining records left), draining the rest"
  # ---- drain and check
  local drained=1 depth bridged committed written ok=0
  wait_drained "round-$round" || drained=0
  ((drained)) || errors="${errors:+$errors }stall:1"
  bridged=$((D_BRIDGED - base0)); committed=$((D_COMMITTED - committed0)); written=$((BRIDGE_WRITTEN - written0))
  depth=$(queue_depth)
  BRIDGE_QUEUED=$((BRIDGE_QUEUED + depth))
  check_alarms "bridge-$round"
  [[ -z $ALARM ]] || errors="${errors:+$errors }alarm:1"
  ((committed < written)) && errors="${errors:+$errors }uncommitted:$((written - committed))"
  ((bridged == written && committed == written && depth >= bridged)) && ok=1
  # accepted = records read and committed (= written when drained), landed = messages in the queue
  local cg cb
  cg=$(cores "$g0" "$g1" $((t1 - t0))); cb=$(cores "$b0" "$b1" $((t1 - t0)))
  add_row "$round" bridge "$ev" - - - - "${errors:--}" "$committed" "$depth" \
    "$cg" "$cb" 0 "$raw" "$(other_cores "$(cores "$s0" "$s1" $((t1 - t0)))" "$cg" "$cb" 0)" "$ok"
  printf '%s\t%s\t%s\n' "$round" bridge "$W_THREADS" >>"$RUN/threads.tsv"
  BRIDGE_LAST_RATE=$ev
  log "round $round: bridge $(printf "%'d" "$ev") msg/s = $(awk -v a="$ev" -v b="$raw" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') x perftest; written $written, bridged $bridged, committed $committed, in queue $depth$( ((ok)) && echo " ok" || echo " MISMATCH"), errors ${errors:-none}, CPU gw/broker/other $cg/$cb/$(awk -F'\t' 'END { print $15 }' "$ROWS")"
  log "round $round: bridge gateway threads (cores): $W_THREADS"
}

bridge_mode() {   # bridge_mode ROUND
  if ((BRIDGE_STALLED)); then warn "round $1: bridge mode skipped (the route stalled earlier)"; return 0; fi
  perftest_limit "$1"
  bridge_run "$1" "$P_RATE"
}

bridge_alive() {
  kill -0 "$BR_PID" 2>/dev/null && return 0
  wait "$BR_PID" 2>/dev/null; local rc=$?
  log "the bridge gateway (pid $BR_PID) exited with status $rc during $1; its last log lines:"
  grep -v '^[[:space:]]*at ' "$RUN/bridge-gateway/gateway.log" | tail -n 15 >&2
  BR_PID=""
  die "the bridge gateway exited during $1"
}
