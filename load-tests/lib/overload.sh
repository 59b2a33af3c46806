# shellcheck shell=bash
# The overload test: sourced by load-tests/bench (--overload). Baseline (closed model, batches of
# $OVERLOAD_BATCH events), then 2x the baseline's event rate for $OVERLOAD_SECONDS (paced arrivals over
# $OVERLOAD_CONNECTIONS connections, so the excess meets the in-flight bound; the baseline and recovery
# use $OVERLOAD_BASE_CONNECTIONS connections, well inside the bound), then the baseline load
# again. Passes when every refusal is a 503 with Retry-After and nothing else failed, the heap stayed
# under its maximum, the recovery runs at >= 90% of the baseline, and landed = accepted.

OV_ROWS=()

ov_phase() {   # ov_phase NAME CONNECTIONS SECONDS RATE
  local name="$1" conns="$2" secs="$3" rate="$4"
  [[ $name == overload ]] || wait_for_quiet
  log "overload test: $name ($OVERLOAD_BATCH events/request, $conns connections, ${secs}s${rate:+, paced at $rate requests/s})"
  run_wrk "ov-$name" "$conns" "$OVERLOAD_BATCH" "$secs" "${rate:-0}"
  local statuses
  statuses="$(sed -e 's/.*"status":{\([^}]*\)}.*/\1/' <<<"$W_JSON" | tr -d '"' | tr ',' ' ')"
  OV_ROWS+=("$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' \
    "$name" "${rate:--}" "$(rate "$W_ANSWERS" "$secs")" "$(rate "$W_ACCEPTED" "$secs")" "$(ms "$W_P50")" "$(ms "$W_P99")" \
    "${statuses:--}" "${W_ERRORS:--}" "$W_NORA" "$((W_HEAP_MAX / 1048576))" "$W_INFLIGHT_MAX" \
    "$W_CPU_GW" "$W_CPU_BROKER" "$W_CPU_LOAD" "$W_ACCEPTED" "$W_LANDED" "$(jget requests_sent)" "$W_CPU_OTHER")")
  add_row 0 "ov-$name" "$(rate "$W_ACCEPTED" "$secs")" "$(rate "$W_ANSWERS" "$secs")" "$(ms "$W_P50")" "$(ms "$W_P99")" \
    "$(ms "$W_P999")" "${W_ERRORS:--}" "$W_ACCEPTED" "$W_LANDED" "$W_CPU_GW" "$W_CPU_BROKER" "$W_CPU_LOAD" 0 "$W_CPU_OTHER"
  printf '%s\t%s\t%s\n' 0 "$name" "$W_THREADS" >>"$RUN/threads.tsv"
  OV_LAST_RATE=$(rate "$W_ACCEPTED" "$secs")
  OV_LAST_ERRORS="${W_ERRORS:-}"
  OV_LAST_NORA=$W_NORA

}

overload_test() {
  warm_up
  local saved_grace=$GRACE saved_timeout=$WRK_TIMEOUT
  # Give every request the gateway's own deadline (kafka.delivery-timeout-ms, 30 s) and a bit: a wrk
  # timeout is then a request the gateway left unanswered past its contract.
  GRACE=10
  WRK_TIMEOUT=31
  ov_phase baseline "$OVERLOAD_BASE_CONNECTIONS" "$DURATION" ""
  OV_BASE=$OV_LAST_RATE
  OV_BASE_PER_CORE=$(awk -v e="$OV_BASE" -v c="$W_CPU_GW" 'BEGIN { printf "%.0f", (c > 0 ? e / c : 0) }')
  OV_BASE_OTHER=$W_CPU_OTHER
  # A baseline taken while other processes ate the CPU understates the sustainable rate, and "2x" of it
  # is no overload: measure it once more and keep the higher.
  if awk -v o="$W_CPU_OTHER" 'BEGIN { exit !(o > 0.3) }'; then
    log "overload test: other processes used $W_CPU_OTHER cores during the baseline; measuring it again"
    ov_phase baseline-2 "$OVERLOAD_BASE_CONNECTIONS" "$DURATION" ""
    if ((OV_LAST_RATE > OV_BASE)); then
      OV_BASE=$OV_LAST_RATE
      OV_BASE_PER_CORE=$(awk -v e="$OV_BASE" -v c="$W_CPU_GW" 'BEGIN { printf "%.0f", (c > 0 ? e / c : 0) }')
      OV_BASE_OTHER=$W_CPU_OTHER
    fi
  fi
  OV_RATE=$(awk -v s="$OV_BASE" -v b="$OVERLOAD_BATCH" 'BEGIN { r = 2 * s / b; printf "%d", (r < 1 ? 1 : r + 0.5) }')
  ov_phase overload "$OVERLOAD_CONNECTIONS" "$OVERLOAD_SECONDS" "$OV_RATE"
  OV_ERRS=$OV_LAST_ERRORS; OV_NORA=$OV_LAST_NORA
  ov_phase recovery "$OVERLOAD_BASE_CONNECTIONS" "$DURATION" ""
  OV_REC=$OV_LAST_RATE
  OV_REC_PER_CORE=$(awk -v e="$OV_REC" -v c="$W_CPU_GW" 'BEGIN { printf "%.0f", (c > 0 ? e / c : 0) }')
  OV_REC_OTHER=$W_CPU_OTHER
  GRACE=$saved_grace
  WRK_TIMEOUT=$saved_timeout
}

overload_report() {
  machine_facts
  local base="$RUN/overload-$TS" ok_refusals=yes ok_heap=yes ok_recovery=yes ok_landed=yes other
  other="$(tr ' ' '\n' <<<"$OV_ERRS" | grep -v '^503:' | grep -v '^$' || true)"
  [[ -z $other && $OV_NORA == 0 ]] || ok_refusals=no
  ((HEAP_MAX_BYTES > 0 && HEAP_PEAK < HEAP_MAX_BYTES)) || ok_heap=no
  # Full speed is back when the recovery runs at >= 90% of the baseline's events/s; on a shared machine
  # where other processes took more CPU during the recovery than during the baseline, >= 90% of the
  # baseline's events per gateway CPU-second also counts (both are printed).
  local rec_how="events/s"
  if ! awk -v a="$OV_REC" -v b="$OV_BASE" 'BEGIN { exit !(a >= 0.9 * b) }'; then
    if awk -v ro="$OV_REC_OTHER" -v bo="$OV_BASE_OTHER" -v a="$OV_REC_PER_CORE" -v b="$OV_BASE_PER_CORE" \
        'BEGIN { exit !(ro > bo + 0.1 && a >= 0.9 * b) }'; then
      rec_how="events per gateway core-second (other processes took $OV_REC_OTHER cores vs $OV_BASE_OTHER)"
    else
      ok_recovery=no
    fi
  fi
  local live gcmax
  live=$(awk -v b="$(grep -m1 '^jvm_gc_live_data_size_bytes ' "$RUN/metrics-end.txt" 2>/dev/null | awk '{ print $2 }')" 'BEGIN { printf "%.0f", b / 1048576 }')
  gcmax=$(awk 'index($0, "jvm_gc_pause_seconds_max{") == 1 && $NF > m { m = $NF } END { printf "%.0f", m * 1000 }' "$RUN/metrics-end.txt" 2>/dev/null || echo "?")
  [[ $LANDED_TOTAL == "$TOTAL_ACCEPTED" ]] || ok_landed=no
  {
    printf 'Sluice overload test %s: %s-event batches, baseline %s events/s, offered 2x = %s requests/s (%s events/s) for %ss over %s connections\n' \
      "$TS" "$OVERLOAD_BATCH" "$OV_BASE" "$OV_RATE" "$((OV_RATE * OVERLOAD_BATCH))" "$OVERLOAD_SECONDS" "$OVERLOAD_CONNECTIONS"
    printf 'machine: %s cores %s; gateway %s (%s), JVM %s\n\n' "$CORES" "$CPU_MODEL" "$(basename "$JAR")" "$GIT_COMMIT" "$GW_JVM_OPTS"
    printf '%-10s %-9s %-9s %-9s %-10s %-8s %-8s %-24s %-11s %-9s %-10s %-23s %s\n' phase "paced/s" "sent/s" "answers/s" "events/s" "p50 ms" "p99 ms" "answers by status" "503 no R-A" "heap MiB" "in-flight" "CPU gw/kafka/load/other" "landed = accepted"
    local row secs
    for row in "${OV_ROWS[@]}"; do
      secs=$DURATION
      if [[ $row == overload* ]]; then secs=$OVERLOAD_SECONDS; fi
      awk -F'\t' -v s="$secs" '{ printf "%-10s %-9s %-9.0f %-9s %-10s %-8s %-8s %-24s %-11s %-9s %-10s %-23s %s\n", $1, $2, $17 / s, $3, $4, $5, $6, $7, $9, $10, $11, sprintf("%.2f/%.2f/%.2f/%.2f", $12, $13, $14, $18), $16 " = " $15 ($15 == $16 ? " ok" : " NO") }' <<<"$row"
    done
    local sent_ov
    sent_ov=$(printf '%s\n' "${OV_ROWS[@]}" | awk -F'\t' '$1 == "overload" { print $17 }')
    printf '\noffered during the overload: %s requests/s sent = %s x the baseline (target 2x; below it when the load generator gets too little CPU)\n' \
      "$(awk -v n="$sent_ov" -v s="$OVERLOAD_SECONDS" 'BEGIN { printf "%.0f", n / s }')" \
      "$(awk -v n="$sent_ov" -v s="$OVERLOAD_SECONDS" -v b="$OVERLOAD_BATCH" -v base="$OV_BASE" 'BEGIN { printf "%.2f", n / s * b / base }')"
    printf 'refusals: every non-202 is a 503 with Retry-After, no socket errors ... %s%s\n' "$ok_refusals" "${other:+ (other: $(tr '\n' ' ' <<<"$other"))}"
    printf 'heap: peak %s MiB < max %s MiB (live data after the last major GC %s MiB; longest GC pause %s ms) ... %s\n' \
      "$((HEAP_PEAK / 1048576))" "$((HEAP_MAX_BYTES / 1048576))" "$live" "$gcmax" "$ok_heap"
    printf 'recovery: %s events/s after vs %s before; per gateway core-second %s vs %s (>= 90%% by %s) ... %s\n' \
      "$OV_REC" "$OV_BASE" "$OV_REC_PER_CORE" "$OV_BASE_PER_CORE" "$rec_how" "$ok_recovery"
    printf 'landed in Kafka %s = accepted %s (gateway counter %s) ................ %s\n' "$LANDED_TOTAL" "$TOTAL_ACCEPTED" "$GW_COUNTED" "$ok_landed"
    printf 'gateway exit after SIGTERM: %s; total time %ss; sample bodies in %s\n' "$GW_EXIT" "$T_TOTAL" "${RUN#"$REPO"/}/wrk-ov-overload.out"
    printf 'busiest gateway threads (cores; pools summed as -N):\n'
    awk -F'\t' '{ printf "  %-9s %s\n", $2, $3 }' "$RUN/threads.tsv"
  } | tee "$base.txt"
  {
    printf '{\n  "run": {"id": %s, "overloadSeconds": %s, "batchSize": %s, "connections": %s, "baselineEventsPerSecond": %s, "offeredRequestsPerSecond": %s, "offeredEventsPerSecond": %s},\n' \
      "$(json_str "$TS")" "$OVERLOAD_SECONDS" "$OVERLOAD_BATCH" "$OVERLOAD_CONNECTIONS" "$OV_BASE" "$OV_RATE" "$((OV_RATE * OVERLOAD_BATCH))"
    printf '  "machine": {"cores": %s, "cpu": %s, "memoryGiB": %s},\n  "gatewayJvm": %s,\n  "phases": [\n' \
      "$CORES" "$(json_str "$CPU_MODEL")" "$MEM_GIB" "$(json_str "$GW_JVM_OPTS")"
    local i=0
    for row in "${OV_ROWS[@]}"; do
      awk -F'\t' -v sep="$( ((i > 0)) && echo , )" '{ printf "%s    {\"phase\": \"%s\", \"pacedRequestsPerSecond\": %s, \"answersPerSecond\": %s, \"acceptedEventsPerSecond\": %s, \"p50Ms\": %s, \"p99Ms\": %s, \"status\": \"%s\", \"errors\": \"%s\", \"503WithoutRetryAfter\": %s, \"heapPeakMiB\": %s, \"inFlightEventsPeak\": %s, \"cpuCores\": {\"gateway\": %s, \"broker\": %s, \"loadGenerator\": %s, \"other\": %s}, \"accepted\": %s, \"landed\": %s}\n", sep, $1, ($2 == "-" ? "null" : $2), $3, $4, $5, $6, $7, ($8 == "-" ? "" : $8), $9, $10, $11, $12, $13, $14, $18, $15, $16 }' <<<"$row"
      i=$((i + 1))
    done
    printf '  ],\n  "checks": {"refusalsAre503WithRetryAfter": %s, "heapUnderMax": %s, "recovered": %s, "recoveredBy": %s, "landedEqualsAccepted": %s, "heapPeakBytes": %s, "heapMaxBytes": %s, "liveDataAfterMajorGcMiB": %s, "longestGcPauseMs": %s, "landed": %s, "accepted": %s, "gatewayExitCode": %s}\n}\n' \
      "$([[ $ok_refusals == yes ]] && echo true || echo false)" "$([[ $ok_heap == yes ]] && echo true || echo false)" \
      "$([[ $ok_recovery == yes ]] && echo true || echo false)" "$(json_str "$rec_how")" "$([[ $ok_landed == yes ]] && echo true || echo false)" \
      "$HEAP_PEAK" "$HEAP_MAX_BYTES" "${live:-0}" "${gcmax:-0}" "$LANDED_TOTAL" "$TOTAL_ACCEPTED" "$GW_EXIT"
  } >"$base.json"
  if [[ $ok_refusals == yes && $ok_heap == yes && $ok_recovery == yes && $ok_landed == yes ]]; then
    cp "$base.txt" "$base.json" "$RESULTS/"
    cp "$base.txt" "$RESULTS/latest-overload.txt"
    cp "$base.json" "$RESULTS/latest-overload.json"
    log "results: ${RESULTS#"$REPO"/}/overload-$TS.{txt,json} (and latest-overload.*); logs: ${RUN#"$REPO"/}"
  else
    # a failed run keeps its report with its logs and leaves the published results alone
    die "the overload test failed (see above; report in ${base#"$REPO"/}.*; ${RESULTS#"$REPO"/} is unchanged)"
  fi
}
