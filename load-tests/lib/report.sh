# shellcheck shell=bash
# The bench report: sourced by load-tests/bench. Reads $ROWS (one tab-separated line per mode and round:
# round mode events_s requests_s p50_ms p99_ms p999_ms errors accepted landed cpu_gw cpu_broker cpu_load
# raw_events_s cpu_other [landed_ok]) and prints the table, then writes $RESULTS/<ts>.{txt,csv,json,png}
# and latest.*. landed_ok (1/0; the bridge modes, where landed >= accepted is right) defaults to
# landed == accepted; a latency of "-" is one the mode does not measure.

SCHEMA_TARGET=0.8   # batch-schema / batch: the issue's floor for schema-on vs schema-off

# JSON string literal of $1.
json_str() { printf '"%s"' "$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' <<<"$1" | tr -d '\n\r')"; }

machine_facts() {
  CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
  CPU_MODEL="${CPU_MODEL:-$(sed -n 's/^Model name:[[:space:]]*//p' < <(lscpu 2>/dev/null) | head -n1)}"
  CORES="$(nproc)"
  MEM_GIB="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
  OS_NAME="$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")"
  KERNEL="$(uname -r)"
  JAVA_VERSION="$( ("$JAVA" -XshowSettings:properties -version 2>&1 || true) | sed -n 's/^ *java.runtime.version = //p' | head -n1)"
  JAVA_VENDOR="$( ("$JAVA" -XshowSettings:properties -version 2>&1 || true) | sed -n 's/^ *java.vendor = //p' | head -n1)"
  WRK_VERSION="$( (wrk -v 2>&1 || true) | head -n1 | awk '{ print $2 }')"
  GIT_COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  if [[ -n "$(git -C "$REPO" status --porcelain -- src pom.xml 2>/dev/null | head -n1)" ]]; then GIT_COMMIT="$GIT_COMMIT+changes"; fi
}

# Aggregates $ROWS per mode: one line per mode with medians/min/max (tab-separated), in mode order.
aggregate() {
  awk -F'\t' '
    function sortn(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
    function med(k,   a, n, i) { n = cnt[m]; for (i = 1; i <= n; i++) a[i] = v[m, k, i] + 0; sortn(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function mn(k,   i, x) { x = v[m, k, 1] + 0; for (i = 2; i <= cnt[m]; i++) if (v[m, k, i] + 0 < x) x = v[m, k, i] + 0; return x }
    function mx(k,   i, x) { x = v[m, k, 1] + 0; for (i = 2; i <= cnt[m]; i++) if (v[m, k, i] + 0 > x) x = v[m, k, i] + 0; return x }
    {
      m = $2
      if (!(m in cnt)) { order[++modes] = m; cnt[m] = 0 }
      n = ++cnt[m]
      v[m, "ev", n] = $3; v[m, "rq", n] = ($4 == "-" ? 0 : $4); v[m, "p50", n] = $5; v[m, "p99", n] = $6; v[m, "p999", n] = $7
      if ($5 == "-") nop50[m] = 1
      if ($7 == "-") nop999[m] = 1
      bad[m] += ($16 == "" ? ($9 != $10) : ($16 != 1))
      v[m, "gw", n] = $11; v[m, "br", n] = $12; v[m, "ld", n] = $13; v[m, "ot", n] = $15
      v[m, "ratio", n] = ($14 > 0 ? $3 / $14 : 0)
      acc[m] += $9; land[m] += $10
      if ($8 != "-" && $8 != "") {
        k = split($8, parts, " ")
        for (i = 1; i <= k; i++) { split(parts[i], kv, ":"); if (!((m, kv[1]) in err)) errk[m] = errk[m] " " kv[1]; err[m, kv[1]] += kv[2] }
      }
    }
    END {
      for (o = 1; o <= modes; o++) {
        m = order[o]
        e = ""; k = split(errk[m], ks, " ")
        for (i = 1; i <= k; i++) e = e (e == "" ? "" : " ") ks[i] ":" err[m, ks[i]]
        if (e == "") e = "-"
        p50 = (m in nop50) ? "-" : sprintf("%.2f", med("p50")); p99 = (m in nop50) ? "-" : sprintf("%.2f", med("p99"))
        p99x = (m in nop50) ? "-" : sprintf("%.2f", mx("p99"))
        p999 = (m in nop999) ? "-" : sprintf("%.2f", med("p999")); p999x = (m in nop999) ? "-" : sprintf("%.2f", mx("p999"))
        printf "%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%.2f\t%d\n",
          m, cnt[m], med("ev"), mn("ev"), mx("ev"), med("rq"), p50, p99, p99x, p999, p999x,
          e, acc[m], land[m], med("gw"), med("br"), med("ld"), med("ratio"), mn("ratio"), mx("ratio"), med("ot"), bad[m] + 0
      }
    }' "$ROWS"
}

# The modes this run was asked for, each of which must have a row with a rate above 0 in every round.
expected_modes() {
  if ((INGEST)); then echo raw single batch; ((AUTH)) && echo batch-apikey batch-jwt; ((SCHEMA)) && echo batch-schema; ((STREAM)) && echo stream; fi
  if ((BRIDGE)); then echo perftest bridge; fi
  if ((SPOOL)); then echo batch batch-spool spool-in spool-drain; fi
  if ((POOL)); then echo sink pool; fi
}

# Prints one line per problem with the rows: a mode missing in a round, or measured at 0 events/s.
missing_rows() {
  local mode r
  for mode in $(expected_modes); do
    for ((r = 1; r <= ROUNDS; r++)); do
      awk -F'\t' -v r="$r" -v m="$mode" '$1 == r && $2 == m && $3 + 0 > 0 { found = 1 } END { exit !found }' "$ROWS" \
        || echo "round $r: no $mode result above 0 events/s"
    done
  done
}

report() {
  machine_facts
  local agg problems base
  agg="$(aggregate)"
  problems="$(missing_rows)"
  # a failed run keeps its table with its logs and leaves the published results (and latest.*) alone
  base="$RESULTS/bench-$TS"
  [[ -z $problems ]] || base="$RUN/bench-$TS"
  local ok=no
  [[ $LANDED_TOTAL == "$TOTAL_ACCEPTED" ]] && ok=yes
  local bad_rows
  bad_rows=$(awk -F'\t' '{ s += $22 } END { print s + 0 }' <<<"$agg")
  ((bad_rows == 0)) || ok=no
  if ((BRIDGE)) && [[ $BRIDGE_OK != yes ]]; then ok=no; fi
  [[ -z $problems ]] || ok=no
  [[ $ok == yes ]] || base="$RUN/bench-$TS"

  # ---------------------------------------------------------------- the table
  {
    local what=ingest
    ((BRIDGE)) && what="ingest + bridge"
    ((INGEST)) || what=bridge
    ((SPOOL)) && what=spool
    ((POOL)) && what="subscriptions (pool)"
    printf 'Sluice %s benchmark %s  (%s rounds x %ss per mode, medians with min-max)\n' "$what" "$TS" "$ROUNDS" "$DURATION"
    printf 'machine: %s cores %s, %s GiB, %s; Java %s; Kafka %s (1 node%s)%s\n' \
      "$CORES" "$CPU_MODEL" "$MEM_GIB" "$OS_NAME" "$JAVA_VERSION" "$KAFKA_VERSION" "$( ((INGEST)) && echo ", acks=all, lz4")" \
      "$( ((INGEST || POOL)) && echo "; wrk $WRK_VERSION, $THREADS threads")$( ((BRIDGE)) && echo "; RabbitMQ $RABBIT_VERSION (1 node); PerfTest $PERFTEST_VERSION")$( ((POOL)) && echo "; PostgreSQL $PG_VERSION")"
    if ((INGEST)); then
      printf 'gateway: %s (%s), JVM %s, default sluice.yaml%s; events %s B; single %s conns; batch %s x %s events%s\n' \
        "$(basename "$JAR")" "$GIT_COMMIT" "$GW_JVM_OPTS" "${SLUICE_ENV:+ + env $SLUICE_ENV}" "$EVENT_BYTES" "$CONNECTIONS" "$BATCH_CONNECTIONS" "$BATCH_SIZE" \
        "$( ((STREAM)) && echo "; stream $STREAM_CONNECTIONS WebSocket conns x $STREAM_FRAME events/frame, <= $STREAM_WINDOW unacked each")"
    fi
    if ((SPOOL)); then
      printf 'gateways: %s (%s), JVM %s, default sluice.yaml, and a second one with the spool on (PostgreSQL %s, schema %s)%s; events %s B; batch %s x %s events\n' \
        "$(basename "$JAR")" "$GIT_COMMIT" "$GW_JVM_OPTS" "$SPOOL_URI" "$SPOOL_SCHEMA" "${SLUICE_ENV:+ + env $SLUICE_ENV}" "$EVENT_BYTES" "$BATCH_CONNECTIONS" "$BATCH_SIZE"
    fi
    if ((POOL)); then
      printf 'pool: %s (%s), JVM %s, default sluice.yaml%s + one subscription: topic %s (%s partitions, %s records of %s B per round, 4096 keys)\n' \
        "$(basename "$JAR")" "$GIT_COMMIT" "$GW_JVM_OPTS" "${SLUICE_ENV:+ + env $SLUICE_ENV}" "$POOL_TOPIC" "$PARTITIONS" "$POOL_EVENTS" "$EVENT_BYTES"
      printf '  -> http %s/events, concurrency %s, ordered (per key), %s (PostgreSQL 127.0.0.1:%s, a fresh schema and group per round), other options at their defaults;\n' \
        "$SINK_URL" "$POOL_CONCURRENCY" "$([[ $POOL_IDEMPOTENT == true ]] && echo idempotent || echo "NOT idempotent (BENCH_POOL_IDEMPOTENT=false)")" "$POOL_PG_PORT"
      printf '  sink: dev.sluice.tools.SinkServer (no-op: 204 at once, %s event loops, JVM -Xmx256m), wrk -t%s -c%s with one envelope and the delivery headers per POST\n' \
        "$(nproc)" "$THREADS" "$POOL_CONCURRENCY"
    fi
    if ((BRIDGE)); then
      printf 'bridge: %s (%s), JVM %s, default sluice.yaml + bridge.yaml%s: topic %s (%s partitions, %s B records, 4096 keys) -> exchange %s, key "%s" -> durable classic queue %s;\n' \
        "$(basename "$JAR")" "$GIT_COMMIT" "$GW_JVM_OPTS" "${SLUICE_ENV:+ + env $SLUICE_ENV}" "$BRIDGE_TOPIC" "$PARTITIONS" "$EVENT_BYTES" "$BRIDGE_EXCHANGE" "$BRIDGE_RK_TEMPLATE" "$BRIDGE_QUEUE"
      printf '  perftest: 1 producer, persistent %s B messages, --confirm %s (unconfirmed publishes), the same exchange, key and queue, no consumer\n' "$EVENT_BYTES" "$BRIDGE_CONFIRM"
    fi
    printf '\n'
    awk -F'\t' '
      function c(x,   s) { s = sprintf("%.0f", x); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } return s r }
      function f1(x) { return x == "-" ? "-" : sprintf("%.1f", x) }
      BEGIN {
        printf "%-12s %-33s %-9s %-7s %-7s %-8s %-16s %-27s %-23s %-21s\n", "mode", "events/s (min-max)", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "landed = accepted", "CPU gw/broker/load/oth", "x raw (min-max)"
      }
      {
        ev = c($3) " (" c($4) "-" c($5) ")"
        rq = ($1 == "raw" || $1 == "perftest" || $1 == "bridge" || $1 == "pool" ? "-" : c($6))
        la = c($14) ($13 == $14 ? " = " : ($14 > $13 ? " >= " : " < ")) c($13) ($22 == 0 ? " ok" : " NO")
        cpu = sprintf("%.2f/%.2f/%.2f/%.2f", $15, $16, $17, $21)
        ra = ($1 == "raw" || $1 == "perftest" || $1 == "sink" ? "1" : sprintf("%.2f (%.2f-%.2f)", $18, $19, $20))
        printf "%-12s %-33s %-9s %-7s %-7s %-8s %-16s %-27s %-23s %-21s\n", $1, ev, rq, f1($7), f1($8), f1($10), $12, la, cpu, ra
      }' <<<"$agg"
    printf '\n'
    if ((INGEST)); then
      printf 'raw = Kafka ProducerPerformance (its latencies are send-to-ack under an unthrottled producer, not comparable)\n'
      printf 'errors = answers other than 202 by status, and wrk socket errors; CPU in cores (of %s) averaged over each load window:\n' "$CORES"
      printf '  gateway / broker (Kafka; for perftest and bridge Kafka + RabbitMQ) / load generator (wrk, ProducerPerformance for raw,\n'
      printf '  the StreamLoad JVM for stream, PerfTest for perftest, none for bridge) / everything else on the machine\n'
    elif ((POOL)); then
      printf 'sink = wrk against the sink alone: events/s = 2xx answers / duration, latencies wrk'"'"'s; landed = calls the sink counted (GET /stats)\n'
      printf 'pool = the subscription: events/s = sluice_subscription_events_total{result="delivered"} from its first sample above 0 until all\n'
      printf '  %s were delivered; p50/p99 = the gateway'"'"'s sink latency histogram (bucket bounds); landed = delivered, accepted = written;\n' "$POOL_EVENTS"
      printf '  x raw = x sink of the same round (target >= %s)\n' "$POOL_TARGET"
      printf 'CPU in cores (of %s) averaged over each window: sink row: the sink / - / wrk / other; pool row: the gateway /\n' "$CORES"
      printf '  Kafka + PostgreSQL / the sink / other\n'
    else
      printf 'CPU in cores (of %s) averaged over each window: bridge gateway / broker (Kafka + RabbitMQ) / load generator (PerfTest; none\n' "$CORES"
      printf '  for bridge: its records were written before the window) / everything else on the machine\n'
    fi
    if ((SPOOL)); then
      printf 'batch = Kafka up, spool off; batch-spool = the same on a gateway with the spool on, its breaker closed (A/B);\n'
      printf '  spool-in = Kafka killed, the breaker open, every event committed to the PostgreSQL spool ("spooled");\n'
      printf '  spool-drain = Kafka back, no load: events in the spool / time until the relays emptied it into Kafka; x raw = x batch\n'
      printf '  of the same round; landed = in Kafka (spool-in events land during spool-drain)\n'
    fi
    if ((AUTH)); then
      printf 'batch-apikey / batch-jwt = batch on a second gateway with auth.mode required, every POST with Authorization: Bearer\n'
      printf '  <API key> / <RS256 JWT> of tenant %s (batch: auth.mode none); the two gateways never under load at once: x raw = x batch\n' "$AUTH_TENANT"
      printf '  of the same round\n'
      awk -F'\t' -v t="$AUTH_TARGET" '$1 == "batch-apikey" || $1 == "batch-jwt" { printf "%s / off = %.2f (%.2f-%.2f over %d rounds): target >= %s x: %s\n", ($1 == "batch-jwt" ? "jwt" : "api key"), $18, $19, $20, $2, t, ($18 >= t ? "met" : "MISSED") }' <<<"$agg"
    fi
    if ((SCHEMA)); then
      printf 'batch-schema = batch with eventType %s, whose JSON Schema (required members, types, bounds, a pattern, closed) every\n' "$SCHEMA_TYPE"
      printf '  payload satisfies, on the same gateway (batch'"'"'s bench.measured has none): x raw = x batch of the same round\n'
      awk -F'\t' -v t="$SCHEMA_TARGET" '$1 == "batch-schema" { printf "schema on / off = %.2f (%.2f-%.2f over %d rounds): target >= %s x: %s\n", $18, $19, $20, $2, t, ($18 >= t ? "met" : "MISSED") }' <<<"$agg"
    fi
    if ((STREAM)); then
      printf 'stream = WebSocket /v1/stream (tools/StreamLoad.java): events/s = acked events / duration, req/s = frames/s, latencies = frame sent -> ack;\n'
      printf '  errors = nacked events (nack_<code>), error frames by code, closes and unsettled frames\n'
    fi
    if ((INGEST && GRPC)); then
      printf 'grpc-unary / grpc-stream = sluice.v1.Ingest Publish / Stream through grpc-java (tools/GrpcLoad.java), %s channels: events/s =\n' "$GRPC_CONNECTIONS"
      printf '  accepted / duration, req/s = calls (messages)/s, latencies = call sent -> answer (message sent -> ack); errors = failed calls\n'
      printf '  by status, refused events (nack_<code>), unsettled calls\n'
    fi
    if ((BRIDGE)); then
      printf 'perftest = RabbitMQ PerfTest publishing with confirms: msg/s confirmed, p50/p99 = publish -> confirm; landed = in the queue >= confirmed\n'
      printf 'bridge = Kafka -> RabbitMQ route: msg/s = sluice_bridge_messages_total{result="bridged"} over the window, a backlog left at its end;\n'
      printf '  landed = in the queue >= accepted = records committed after the drain (= written = bridged); x raw = x perftest of the same round\n'
    fi
    if ((INGEST)); then
      printf 'landed in Kafka (topic %s, all gateway runs incl. warm-up): %s; accepted (answered 202 + acked on streams): %s (%s + %s); gateway counter: %s -> %s\n' \
        "$TOPIC" "$LANDED_TOTAL" "$TOTAL_ACCEPTED" "$((TOTAL_ACCEPTED - ${TOTAL_STREAM_ACKED:-0}))" "${TOTAL_STREAM_ACKED:-0}" "$GW_COUNTED" "$([[ $LANDED_TOTAL == "$TOTAL_ACCEPTED" ]] && echo "landed = accepted" || echo "MISMATCH")"
    fi
    if ((BRIDGE)); then
      printf 'bridge (incl. warm-up): written to %s %s, bridged %s, committed %s, landed in %s %s -> %s; retries %s, reconnects %s, "blocked" in its log %s; RabbitMQ alarms: %s%s\n' \
        "$BRIDGE_TOPIC" "$BRIDGE_WRITTEN" "$BR_BRIDGED" "$BR_COMMITTED" "$BRIDGE_QUEUE" "$BRIDGE_QUEUED" \
        "$([[ $BRIDGE_OK == yes ]] && echo "ok" || echo "MISMATCH")" "$BR_RETRIES" "$BR_RECONNECTS" "$BR_BLOCKED" "${BRIDGE_ALARMS:-none}" \
        "$( ((BRIDGE_STALLED)) && echo "; STALLED (see $(compgen -G "$RUN/bridge-stall-*.txt" | head -n1))")"
    fi
    if ((POOL)); then
      printf 'pool (all rounds): written %s, delivered %s, the sink counted %s, dead-lettered %s, skipped as duplicates %s, retries %s, ambiguous %s -> %s\n' \
        "$POOL_WRITTEN" "$POOL_DELIVERED" "$POOL_SINK_SAW" "$POOL_DEAD" "$POOL_DUPS" "$POOL_RETRIES" "$POOL_AMBIGUOUS" \
        "$([[ $POOL_WRITTEN == "$POOL_DELIVERED" ]] && ((POOL_SINK_SAW >= POOL_DELIVERED && POOL_DEAD == 0)) && echo ok || echo MISMATCH)"
      awk -F'\t' -v t="$POOL_TARGET" '$1 == "pool" { printf "pool / sink = %.2f (%.2f-%.2f over %d rounds): target >= %s x: %s\n", $18, $19, $20, $2, t, ($18 >= t ? "met" : "MISSED") }' <<<"$agg"
    fi
    printf 'gateway heap peak %s MiB of %s MiB; exit after SIGTERM: %s%s; total time %ss\n' \
      "$((HEAP_PEAK / 1048576))" "$((HEAP_MAX_BYTES / 1048576))" "$GW_EXIT" "$( ((BRIDGE && INGEST)) && echo " (bridge gateway: $BR_EXIT)")" "$T_TOTAL"
    if [[ -s $RUN/threads.tsv ]]; then
      printf 'busiest gateway threads (cores; pools summed as -N), round %s:\n' "$ROUNDS"
      awk -F'\t' -v r="$ROUNDS" '$1 == r { printf "  %-11s %s\n", $2, $3 }' "$RUN/threads.tsv"
    fi
  } | tee "$base.txt"

  # ---------------------------------------------------------------- CSV
  {
    echo "mode,rounds,events_per_s_median,events_per_s_min,events_per_s_max,requests_per_s_median,p50_ms_median,p99_ms_median,p99_ms_max,p999_ms_median,p999_ms_max,errors,accepted,landed,landed_equals_accepted,cpu_gateway_cores,cpu_broker_cores,cpu_loadgen_cores,ratio_to_raw_median,ratio_to_raw_min,ratio_to_raw_max,cpu_other_cores"
    awk -F'\t' -v OFS=, '{ for (i = 7; i <= 11; i++) if ($i == "-") $i = ""
      print $1, $2, $3, $4, $5, ($1 == "raw" || $1 == "perftest" || $1 == "bridge" || $1 == "pool" ? "" : $6), $7, $8, $9, $10, $11, "\"" $12 "\"", $13, $14, ($22 == 0 ? "true" : "false"), $15, $16, $17, $18, $19, $20, $21 }' <<<"$agg"
  } >"$base.csv"
  {
    echo "round,mode,events_per_s,requests_per_s,p50_ms,p99_ms,p999_ms,errors,accepted,landed,cpu_gateway_cores,cpu_broker_cores,cpu_loadgen_cores,raw_events_per_s,cpu_other_cores"
    awk -F'\t' -v OFS=, '{ $8 = "\"" $8 "\""; for (i = 4; i <= 7; i++) if ($i == "-") $i = ""; NF = 15; print }' "$ROWS"
  } >"$base-rounds.csv"

  # ---------------------------------------------------------------- JSON
  {
    printf '{\n  "run": {"id": %s, "rounds": %s, "durationSeconds": %s, "warmupSeconds": %s, "totalSeconds": %s},\n' \
      "$(json_str "$TS")" "$ROUNDS" "$DURATION" "$WARMUP" "$T_TOTAL"
    printf '  "machine": {"cores": %s, "cpu": %s, "memoryGiB": %s, "os": %s, "kernel": %s},\n' \
      "$CORES" "$(json_str "$CPU_MODEL")" "$MEM_GIB" "$(json_str "$OS_NAME")" "$(json_str "$KERNEL")"
    printf '  "versions": {"java": %s, "javaVendor": %s, "kafka": %s, "wrk": %s, "gateway": %s, "commit": %s},\n' \
      "$(json_str "$JAVA_VERSION")" "$(json_str "$JAVA_VENDOR")" "$(json_str "$KAFKA_VERSION")" "$(json_str "$WRK_VERSION")" \
      "$(json_str "$(basename "$JAR")")" "$(json_str "$GIT_COMMIT")"
    printf '  "setup": {"gatewayJvm": %s, "gatewayEnvOverrides": %s, "eventBytes": %s, "singleConnections": %s, "batchConnections": %s, "batchSize": %s, "streamConnections": %s, "streamFrameEvents": %s, "streamWindow": %s, "wrkThreads": %s, "partitions": %s, "producer": "acks=all enable.idempotence=true compression.type=lz4 linger.ms=1 batch.size=131072 buffer.memory=67108864"},\n' \
      "$(json_str "$GW_JVM_OPTS")" "$(json_str "$SLUICE_ENV")" "$EVENT_BYTES" "$CONNECTIONS" "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$( ((STREAM)) && echo "$STREAM_CONNECTIONS" || echo null)" "$STREAM_FRAME" "$STREAM_WINDOW" "$THREADS" "$PARTITIONS"
    printf '  "summary": [\n'
    awk -F'\t' 'function n(x) { return x == "-" ? "null" : x }
    {
      printf "%s    {\"mode\": \"%s\", \"rounds\": %d, \"eventsPerSecond\": {\"median\": %s, \"min\": %s, \"max\": %s}, \"requestsPerSecond\": %s, \"p50Ms\": %s, \"p99Ms\": {\"median\": %s, \"max\": %s}, \"p999Ms\": {\"median\": %s, \"max\": %s}, \"errors\": \"%s\", \"accepted\": %s, \"landed\": %s, \"landedEqualsAccepted\": %s, \"cpuCores\": {\"gateway\": %s, \"broker\": %s, \"loadGenerator\": %s, \"other\": %s}, \"ratioToRaw\": {\"median\": %s, \"min\": %s, \"max\": %s}}",
        (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, ($1 == "raw" || $1 == "perftest" || $1 == "bridge" || $1 == "pool" ? "null" : $6), n($7), n($8), n($9), n($10), n($11), ($12 == "-" ? "" : $12), $13, $14, ($22 == 0 ? "true" : "false"), $15, $16, $17, $21, $18, $19, $20
    } END { print "" }' <<<"$agg"
    printf '  ],\n  "rounds": [\n'
    awk -F'\t' 'function n(x) { return x == "-" ? "null" : x }
    {
      printf "%s    {\"round\": %s, \"mode\": \"%s\", \"eventsPerSecond\": %s, \"requestsPerSecond\": %s, \"p50Ms\": %s, \"p99Ms\": %s, \"p999Ms\": %s, \"errors\": \"%s\", \"accepted\": %s, \"landed\": %s, \"cpuCores\": {\"gateway\": %s, \"broker\": %s, \"loadGenerator\": %s, \"other\": %s}, \"rawEventsPerSecond\": %s}",
        (NR > 1 ? ",\n" : ""), $1, $2, $3, ($4 == "-" ? "null" : $4), n($5), n($6), n($7), ($8 == "-" ? "" : $8), $9, $10, $11, $12, $13, $15, $14
    } END { print "" }' "$ROWS"
    printf '  ],\n  "gatewayThreads": [\n'
    awk -F'\t' '{ printf "%s    {\"round\": %s, \"mode\": \"%s\", \"busiest\": \"%s\"}", (NR > 1 ? ",\n" : ""), $1, $2, $3 } END { print "" }' "$RUN/threads.tsv" 2>/dev/null || true
    printf '  ],\n  "checks": {"landedInKafka": %s, "acceptedByAnswers": %s, "ackedOnStreams": %s, "gatewayCountedAccepted": %s, "landedEqualsAccepted": %s, "gatewayHeapPeakBytes": %s, "gatewayHeapMaxBytes": %s, "gatewayExitCode": %s}\n}\n' \
      "$LANDED_TOTAL" "$((TOTAL_ACCEPTED - ${TOTAL_STREAM_ACKED:-0}))" "${TOTAL_STREAM_ACKED:-0}" "${GW_COUNTED:-null}" "$([[ $ok == yes ]] && echo true || echo false)" "$HEAP_PEAK" "${HEAP_MAX_BYTES:-0}" "$( [[ $GW_EXIT == - ]] && echo null || echo "$GW_EXIT")"
  } >"$base.json"
  if ((BRIDGE)); then   # the bridge's setup and checks, merged into the document
    local tmp="$base.json.tmp"
    sed '$d' "$base.json" | sed '$d' >"$tmp"
    tail -n 2 "$base.json" | head -n 1 | sed 's/}$/},/' >>"$tmp"
    printf '  "bridge": {"route": %s, "topic": %s, "exchange": %s, "routingKey": %s, "queue": %s, "perftestVersion": %s, "perftestConfirm": %s, "rabbitmq": %s, "written": %s, "bridged": %s, "committed": %s, "landedInQueue": %s, "ok": %s, "stalled": %s, "retries": %s, "reconnects": %s, "alarms": %s, "gatewayExitCode": %s}\n}\n' \
      "$(json_str "$BRIDGE_ROUTE")" "$(json_str "$BRIDGE_TOPIC")" "$(json_str "$BRIDGE_EXCHANGE")" "$(json_str "$BRIDGE_RK_TEMPLATE")" "$(json_str "$BRIDGE_QUEUE")" \
      "$(json_str "$PERFTEST_VERSION")" "$BRIDGE_CONFIRM" "$(json_str "$RABBIT_VERSION")" "$BRIDGE_WRITTEN" "${BR_BRIDGED:-0}" "${BR_COMMITTED:-0}" "$BRIDGE_QUEUED" \
      "$([[ $BRIDGE_OK == yes ]] && echo true || echo false)" "$( ((BRIDGE_STALLED)) && echo true || echo false)" "${BR_RETRIES:-0}" "${BR_RECONNECTS:-0}" "$(json_str "$BRIDGE_ALARMS")" "${BR_EXIT:-null}" >>"$tmp"
    mv "$tmp" "$base.json"
  fi

  if ((POOL)); then   # the pool's setup and checks, merged into the document
    local tmp="$base.json.tmp" pr
    pr="$(awk -F'\t' '$1 == "pool" { printf "{\"median\": %s, \"min\": %s, \"max\": %s}", $18, $19, $20 }' <<<"$agg")"
    sed '$d' "$base.json" | sed '$d' >"$tmp"
    tail -n 2 "$base.json" | head -n 1 | sed 's/}$/},/' >>"$tmp"
    printf '  "pool": {"subscription": %s, "topic": %s, "eventsPerRound": %s, "concurrency": %s, "ordered": true, "idempotent": %s, "sink": %s, "sinkInstances": %s, "postgresql": %s, "written": %s, "delivered": %s, "sinkCounted": %s, "deadLettered": %s, "skippedDuplicates": %s, "retries": %s, "ambiguous": %s, "poolOverSink": %s, "target": %s, "targetMet": %s, "gatewayExitCode": %s}\n}\n' \
      "$(json_str "$POOL_SUB")" "$(json_str "$POOL_TOPIC")" "$POOL_EVENTS" "$POOL_CONCURRENCY" "$POOL_IDEMPOTENT" "$(json_str "$SINK_URL/events")" "$(nproc)" "$(json_str "$PG_VERSION")" \
      "$POOL_WRITTEN" "$POOL_DELIVERED" "$POOL_SINK_SAW" "$POOL_DEAD" "$POOL_DUPS" "$POOL_RETRIES" "$POOL_AMBIGUOUS" "${pr:-null}" "$POOL_TARGET" \
      "$(awk -F'\t' -v t="$POOL_TARGET" '$1 == "pool" { print ($18 >= t ? "true" : "false"); f = 1 } END { if (!f) print "false" }' <<<"$agg")" "$( [[ $GW_EXIT == - ]] && echo null || echo "$GW_EXIT")" >>"$tmp"
    mv "$tmp" "$base.json"
  fi

  plot "$base" "$agg"
  if [[ $ok != yes ]]; then
    log "FAILED run: its results stay with its logs (${base#"$REPO"/}.*); ${RESULTS#"$REPO"/} is unchanged"
    [[ -z $problems ]] || die "incomplete run: $(tr '\n' ';' <<<"$problems" | sed 's/;$//; s/;/; /g')"
  else
    local latest=latest
    ((SPOOL)) && latest=latest-spool   # the spool mode does not replace the ingest run's latest.*
    ((POOL)) && latest=latest-pool
    # a pool variant (without the store, another concurrency) leaves latest-pool.* to the published setup
    if ((POOL)) && [[ $POOL_IDEMPOTENT != true || $POOL_CONCURRENCY != 64 ]]; then latest=""; fi
    if [[ -n $latest ]]; then
      for ext in txt csv json png; do
        [[ -f $base.$ext ]] && cp "$base.$ext" "$RESULTS/$latest.$ext"
      done
      cp "$base-rounds.csv" "$RESULTS/$latest-rounds.csv"
    fi
    log "results: ${base#"$REPO"/}.{txt,csv,json$([[ -f $base.png ]] && echo ,png)}$([[ -n $latest ]] && echo " (and $latest.*)" || echo " (a variant: latest-pool.* unchanged)"); logs: ${RUN#"$REPO"/}"
  fi
  [[ $LANDED_TOTAL == "$TOTAL_ACCEPTED" ]] || die "landed ($LANDED_TOTAL) != accepted ($TOTAL_ACCEPTED)"
  ((bad_rows == 0)) || die "$bad_rows mode(s) with landed != accepted (see the table)"
  if ((BRIDGE)) && [[ $BRIDGE_OK != yes ]]; then die "bridge check failed: written $BRIDGE_WRITTEN, bridged $BR_BRIDGED, committed $BR_COMMITTED, in queue $BRIDGE_QUEUED$( ((BRIDGE_STALLED)) && echo ", stalled")"; fi
}

# A PNG from the summary: events/s per mode (median, min-max bars) and p50/p99 per gateway mode.
plot() {
  local base="$1" agg="$2"
  if ! command -v gnuplot >/dev/null 2>&1; then
    log "no chart: gnuplot is not installed (apt-get install -y gnuplot-nox)"
    return 0
  fi
  awk -F'\t' '{ print $1, $3, $4, $5, $7, $8, $10, $18 }' <<<"$agg" >"$RUN/plot.dat"
  # every round as a point, at the x of its mode
  awk 'NR == FNR { split($0, a, " "); x[a[1]] = FNR - 1; next } { split($0, r, "\t") } (r[2] in x) { print x[r[2]], r[3] }' \
    "$RUN/plot.dat" "$ROWS" >"$RUN/plot-rounds.dat"
  gnuplot >"$RUN/gnuplot.log" 2>&1 <<EOF || { rm -f "$base.png"; warn "gnuplot failed (log: $RUN/gnuplot.log)"; return 0; }
set terminal pngcairo size 1100,460 font "sans,10" noenhanced
set output "$base.png"
set multiplot layout 1,2 title "Sluice vs $( ((INGEST)) && echo "raw Kafka" )$( ((INGEST && BRIDGE)) && echo " / " )$( ((BRIDGE)) && echo "RabbitMQ PerfTest" )$( ((POOL)) && echo "the sink alone (wrk)" ) — $TS — $(nproc) cores, $ROUNDS x ${DURATION}s per mode (median, min–max)"
set datafile missing "-"
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set format y "%gk"
set title "events per second"
set xtics nomirror
set key top right
plot "$RUN/plot.dat" using 0:(\$2/1000):xtic(1) with boxes lc rgb "#4e79a7" title "median", \
     "" using 0:(\$2/1000):(\$3/1000):(\$4/1000) with yerrorbars lc rgb "black" pt 0 title "min–max", \
     "$RUN/plot-rounds.dat" using 1:(\$2/1000) with points pt 7 ps 0.6 lc rgb "#333333" title "rounds", \
     "$RUN/plot.dat" using 0:(\$2/1000):(sprintf("%.0fk%s", \$2/1000, (strcol(1) eq "raw" || strcol(1) eq "perftest" || strcol(1) eq "sink") ? "" : sprintf(strcol(1) eq "bridge" ? " (%.2f× perftest)" : (strcol(1) eq "pool" ? " (%.2f× sink)" : " (%.2f× raw)"), \$8))) with labels offset 5.5,0.8 notitle
set title "latency (wrk; stream: frame sent -> ack; perftest: publish -> confirm; pool: the gateway's sink calls), ms"
set format y "%g"
set style data histograms
set style histogram clustered gap 1
set key top left
plot "< grep -v -e '^raw' -e '^bridge' $RUN/plot.dat" using 5:xtic(1) title "p50" lc rgb "#59a14f", \
     "" using 6 title "p99" lc rgb "#f28e2b", \
     "" using 7 title "p99.9" lc rgb "#e15759"
unset multiplot
EOF
}
