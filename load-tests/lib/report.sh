# shellcheck shell=bash
# The bench report: sourced by load-tests/bench. Reads $ROWS (one tab-separated line per mode and round:
# round mode events_s requests_s p50_ms p99_ms p999_ms errors accepted landed cpu_gw cpu_broker cpu_load
# raw_events_s cpu_other) and prints the table, then writes $RESULTS/<ts>.{txt,csv,json,png} and latest.*.

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
        printf "%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%.2f\n",
          m, cnt[m], med("ev"), mn("ev"), mx("ev"), med("rq"), med("p50"), med("p99"), mx("p99"), med("p999"), mx("p999"),
          e, acc[m], land[m], med("gw"), med("br"), med("ld"), med("ratio"), mn("ratio"), mx("ratio"), med("ot")
      }
    }' "$ROWS"
}

report() {
  machine_facts
  local base="$RESULTS/bench-$TS" agg
  agg="$(aggregate)"
  local ok=no
  [[ $LANDED_TOTAL == "$TOTAL_ACCEPTED" ]] && ok=yes

  # ---------------------------------------------------------------- the table
  {
    printf 'Sluice ingest benchmark %s  (%s rounds x %ss per mode, medians with min-max)\n' "$TS" "$ROUNDS" "$DURATION"
    printf 'machine: %s cores %s, %s GiB, %s; Java %s; Kafka %s (1 node, acks=all, lz4); wrk %s, %s threads\n' \
      "$CORES" "$CPU_MODEL" "$MEM_GIB" "$OS_NAME" "$JAVA_VERSION" "$KAFKA_VERSION" "$WRK_VERSION" "$THREADS"
    printf 'gateway: %s (%s), JVM %s, default sluice.yaml%s; events %s B; single %s conns; batch %s x %s events%s\n\n' \
      "$(basename "$JAR")" "$GIT_COMMIT" "$GW_JVM_OPTS" "${SLUICE_ENV:+ + env $SLUICE_ENV}" "$EVENT_BYTES" "$CONNECTIONS" "$BATCH_CONNECTIONS" "$BATCH_SIZE" \
      "$( ((STREAM)) && echo "; stream $STREAM_CONNECTIONS WebSocket conns x $STREAM_FRAME events/frame, <= $STREAM_WINDOW unacked each")"
    awk -F'\t' '
      function c(x,   s) { s = sprintf("%.0f", x); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } return s r }
      BEGIN {
        printf "%-7s %-33s %-9s %-7s %-7s %-8s %-16s %-27s %-23s %-21s\n", "mode", "events/s (min-max)", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "landed = accepted", "CPU gw/kafka/load/other", "x raw (min-max)"
      }
      {
        ev = c($3) " (" c($4) "-" c($5) ")"
        rq = ($1 == "raw" ? "-" : c($6))
        la = c($14) " = " c($13) ($13 == $14 ? " ok" : " NO")
        cpu = sprintf("%.2f/%.2f/%.2f/%.2f", $15, $16, $17, $21)
        ra = ($1 == "raw" ? "1" : sprintf("%.2f (%.2f-%.2f)", $18, $19, $20))
        printf "%-7s %-33s %-9s %-7s %-7s %-8s %-16s %-27s %-23s %-21s\n", $1, ev, rq, sprintf("%.1f", $7), sprintf("%.1f", $8), sprintf("%.1f", $10), $12, la, cpu, ra
      }' <<<"$agg"
    printf '\n'
    printf 'raw = Kafka ProducerPerformance (its latencies are send-to-ack under an unthrottled producer, not comparable)\n'
    printf 'errors = answers other than 202 by status, and wrk socket errors; CPU in cores (of %s) averaged over each load window:\n' "$CORES"
    printf '  gateway / Kafka broker / load generator (wrk, ProducerPerformance for raw, the StreamLoad JVM for stream) / everything else on the machine\n'
    if ((STREAM)); then
      printf 'stream = WebSocket /v1/stream (tools/StreamLoad.java): events/s = acked events / duration, req/s = frames/s, latencies = frame sent -> ack;\n'
      printf '  errors = nacked events (nack_<code>), error frames by code, closes and unsettled frames\n'
    fi
    printf 'landed in Kafka (topic %s, all gateway runs incl. warm-up): %s; accepted (answered 202 + acked on streams): %s (%s + %s); gateway counter: %s -> %s\n' \
      "$TOPIC" "$LANDED_TOTAL" "$TOTAL_ACCEPTED" "$((TOTAL_ACCEPTED - ${TOTAL_STREAM_ACKED:-0}))" "${TOTAL_STREAM_ACKED:-0}" "$GW_COUNTED" "$([[ $ok == yes ]] && echo "landed = accepted" || echo "MISMATCH")"
    printf 'gateway heap peak %s MiB of %s MiB; exit after SIGTERM: %s; total time %ss\n' \
      "$((HEAP_PEAK / 1048576))" "$((HEAP_MAX_BYTES / 1048576))" "$GW_EXIT" "$T_TOTAL"
    if [[ -s $RUN/threads.tsv ]]; then
      printf 'busiest gateway threads (cores; pools summed as -N), round %s:\n' "$ROUNDS"
      awk -F'\t' -v r="$ROUNDS" '$1 == r { printf "  %-7s %s\n", $2, $3 }' "$RUN/threads.tsv"
    fi
  } | tee "$base.txt"

  # ---------------------------------------------------------------- CSV
  {
    echo "mode,rounds,events_per_s_median,events_per_s_min,events_per_s_max,requests_per_s_median,p50_ms_median,p99_ms_median,p99_ms_max,p999_ms_median,p999_ms_max,errors,accepted,landed,landed_equals_accepted,cpu_gateway_cores,cpu_broker_cores,cpu_loadgen_cores,ratio_to_raw_median,ratio_to_raw_min,ratio_to_raw_max,cpu_other_cores"
    awk -F'\t' -v OFS=, '{ print $1, $2, $3, $4, $5, ($1 == "raw" ? "" : $6), $7, $8, $9, $10, $11, "\"" $12 "\"", $13, $14, ($13 == $14 ? "true" : "false"), $15, $16, $17, $18, $19, $20, $21 }' <<<"$agg"
  } >"$base.csv"
  {
    echo "round,mode,events_per_s,requests_per_s,p50_ms,p99_ms,p999_ms,errors,accepted,landed,cpu_gateway_cores,cpu_broker_cores,cpu_loadgen_cores,raw_events_per_s,cpu_other_cores"
    awk -F'\t' -v OFS=, '{ $8 = "\"" $8 "\""; if ($4 == "-") $4 = ""; print }' "$ROWS"
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
    awk -F'\t' '{
      printf "%s    {\"mode\": \"%s\", \"rounds\": %d, \"eventsPerSecond\": {\"median\": %s, \"min\": %s, \"max\": %s}, \"requestsPerSecond\": %s, \"p50Ms\": %s, \"p99Ms\": {\"median\": %s, \"max\": %s}, \"p999Ms\": {\"median\": %s, \"max\": %s}, \"errors\": \"%s\", \"accepted\": %s, \"landed\": %s, \"landedEqualsAccepted\": %s, \"cpuCores\": {\"gateway\": %s, \"broker\": %s, \"loadGenerator\": %s, \"other\": %s}, \"ratioToRaw\": {\"median\": %s, \"min\": %s, \"max\": %s}}",
        (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, ($1 == "raw" ? "null" : $6), $7, $8, $9, $10, $11, ($12 == "-" ? "" : $12), $13, $14, ($13 == $14 ? "true" : "false"), $15, $16, $17, $21, $18, $19, $20
    } END { print "" }' <<<"$agg"
    printf '  ],\n  "rounds": [\n'
    awk -F'\t' '{
      printf "%s    {\"round\": %s, \"mode\": \"%s\", \"eventsPerSecond\": %s, \"requestsPerSecond\": %s, \"p50Ms\": %s, \"p99Ms\": %s, \"p999Ms\": %s, \"errors\": \"%s\", \"accepted\": %s, \"landed\": %s, \"cpuCores\": {\"gateway\": %s, \"broker\": %s, \"loadGenerator\": %s, \"other\": %s}, \"rawEventsPerSecond\": %s}",
        (NR > 1 ? ",\n" : ""), $1, $2, $3, ($4 == "-" ? "null" : $4), $5, $6, $7, ($8 == "-" ? "" : $8), $9, $10, $11, $12, $13, $15, $14
    } END { print "" }' "$ROWS"
    printf '  ],\n  "gatewayThreads": [\n'
    awk -F'\t' '{ printf "%s    {\"round\": %s, \"mode\": \"%s\", \"busiest\": \"%s\"}", (NR > 1 ? ",\n" : ""), $1, $2, $3 } END { print "" }' "$RUN/threads.tsv" 2>/dev/null || true
    printf '  ],\n  "checks": {"landedInKafka": %s, "acceptedByAnswers": %s, "ackedOnStreams": %s, "gatewayCountedAccepted": %s, "landedEqualsAccepted": %s, "gatewayHeapPeakBytes": %s, "gatewayHeapMaxBytes": %s, "gatewayExitCode": %s}\n}\n' \
      "$LANDED_TOTAL" "$((TOTAL_ACCEPTED - ${TOTAL_STREAM_ACKED:-0}))" "${TOTAL_STREAM_ACKED:-0}" "${GW_COUNTED:-null}" "$([[ $ok == yes ]] && echo true || echo false)" "$HEAP_PEAK" "${HEAP_MAX_BYTES:-0}" "$GW_EXIT"
  } >"$base.json"

  plot "$base" "$agg"
  for ext in txt csv json png; do
    [[ -f $base.$ext ]] && cp "$base.$ext" "$RESULTS/latest.$ext"
  done
  cp "$base-rounds.csv" "$RESULTS/latest-rounds.csv"
  log "results: ${base#"$REPO"/}.{txt,csv,json$([[ -f $base.png ]] && echo ,png)} (and latest.*); logs: ${RUN#"$REPO"/}"
  [[ $ok == yes ]] || die "landed ($LANDED_TOTAL) != accepted ($TOTAL_ACCEPTED)"
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
set multiplot layout 1,2 title "Sluice ingest vs raw Kafka — $TS — $(nproc) cores, $ROUNDS x ${DURATION}s per mode (median, min–max)"
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
     "$RUN/plot.dat" using 0:(\$2/1000):(sprintf("%.0fk%s", \$2/1000, strcol(1) eq "raw" ? "" : sprintf(" (%.2f× raw)", \$8))) with labels offset 5.5,0.8 notitle
set title "latency (wrk; stream: frame sent -> ack), ms"
set format y "%g"
set style data histograms
set style histogram clustered gap 1
set key top left
plot "< grep -v '^raw' $RUN/plot.dat" using 5:xtic(1) title "p50" lc rgb "#59a14f", \
     "" using 6 title "p99" lc rgb "#f28e2b", \
     "" using 7 title "p99.9" lc rgb "#e15759"
unset multiplot
EOF
}
