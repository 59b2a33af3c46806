# gRPC ingest modes of load-tests/bench (sourced): grpc-unary (Publish calls of --batch-size events) and
# grpc-stream (Ingest.Stream, --stream-frame events per message, <= --stream-window unacked), both through
# tools/GrpcLoad.java (grpc-java, not the gateway's Vert.x gRPC) against the ingest port. Their accepted
# events count in the landed = accepted check like every other mode's.

GRPC_CONNECTIONS="${BENCH_GRPC_CONNECTIONS:-16}"

# grpc_classpath: grpc-java and protobuf (the project's test class path, cached in target/ until pom.xml
# changes) and the gateway jar (the generated sluice.v1 messages); sets GRPC_CP.
grpc_classpath() {
  local cached="$REPO/target/grpc-load.classpath"
  if [[ ! -s $cached || $REPO/pom.xml -nt $cached ]]; then
    log "resolving grpc-java's class path for tools/GrpcLoad.java (./mvnw dependency:build-classpath) ..."
    mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cached" \
      >"$RUN/grpc-classpath.log" 2>&1 || { tail -n 20 "$RUN/grpc-classpath.log" >&2; die "could not resolve the class path of tools/GrpcLoad.java"; }
  fi
  GRPC_CP="$GW_JAR:$(cat "$cached")"
}

# run_grpc NAME MODE CONNECTIONS SECONDS: one GrpcLoad run; sets W_* results like run_stream.
run_grpc() {
  local name="$1" mode="$2" conns="$3" secs="$4" out t0 t1 g0 g1 b0 b1 l0 l1 s0 s1 deadline size
  [[ -n ${GRPC_CP:-} ]] || grpc_classpath
  out="$RUN/grpc-$name.out"
  if [[ $mode == unary ]]; then size=$BATCH_SIZE; else size=$STREAM_FRAME; fi
  "$JAVA" -Xms256m -Xmx512m -XX:+UseParallelGC -cp "$GRPC_CP" "$HERE/tools/GrpcLoad.java" \
    --mode "$mode" --target "127.0.0.1:$HTTP_PORT" --connections "$conns" --batch "$size" \
    --window "$STREAM_WINDOW" --duration "$secs" --event-bytes "$EVENT_BYTES" --grace "$STREAM_GRACE" \
    >"$out" 2>&1 &
  LOADGEN_PID=$!
  deadline=$(($(date +%s) + 90))
  until grep -q '^READY ' "$out" 2>/dev/null; do
    kill -0 "$LOADGEN_PID" 2>/dev/null || { wait "$LOADGEN_PID" || true; cat "$out" >&2; LOADGEN_PID=""; die "GrpcLoad exited before READY ($name)"; }
    (($(date +%s) < deadline)) || { kill -TERM "$LOADGEN_PID"; cat "$out" >&2; die "GrpcLoad not READY after 90 s ($name)"; }
    sleep 0.05
  done
  t0=$(now_ms); g0=$(ticks "$GW_PID"); b0=$(ticks "$BROKER_PID"); l0=$(ticks "$LOADGEN_PID"); s0=$(sys_ticks)
  task_ticks "$GW_PID" >"$RUN/threads-$name.before"
  sleep "$secs"
  t1=$(now_ms); g1=$(ticks "$GW_PID"); b1=$(ticks "$BROKER_PID"); l1=$(ticks "$LOADGEN_PID"); s1=$(sys_ticks)
  task_ticks "$GW_PID" >"$RUN/threads-$name.after"
  W_THREADS="$(hot_threads "$RUN/threads-$name.before" "$RUN/threads-$name.after" $((t1 - t0)))"
  wait "$LOADGEN_PID" || { cat "$out" >&2; LOADGEN_PID=""; die "GrpcLoad failed ($name)"; }
  LOADGEN_PID=""
  gateway_alive "$name"
  local line
  line="$(grep '^SLUICE_GRPC ' "$out" | head -n1)"
  [[ -n $line ]] || { cat "$out" >&2; die "GrpcLoad printed no SLUICE_GRPC line ($name)"; }
  W_JSON="${line#SLUICE_GRPC }"
  W_CPU_GW=$(cores "$g0" "$g1" $((t1 - t0))); W_CPU_BROKER=$(cores "$b0" "$b1" $((t1 - t0)))
  W_CPU_LOAD=$(cores "$l0" "$l1" $((t1 - t0)))
  ((l1 > 0)) || W_CPU_LOAD=$(jget cpu_cores)
  W_CPU_OTHER=$(other_cores "$(cores "$s0" "$s1" $((t1 - t0)))" "$W_CPU_GW" "$W_CPU_BROKER" "$W_CPU_LOAD")
  W_ACCEPTED=$(jget acked); W_FRAMES_S=$(jget frames_per_s)
  W_P50=$(jget p50_ms); W_P99=$(jget p99_ms); W_P999=$(jget p999_ms)
  # "RESOURCE_EXHAUSTED:3 nack_SLC-5002:12 unsettled:1": failed calls by status, refused events by code
  W_ERRORS="$(sed -e 's/.*"errors":{\([^}]*\)}.*/\1/' <<<"$W_JSON" | tr ',' '\n' | tr -d '"' \
    | awk -F: '$2 > 0 { printf "%s%s:%s", sep, $1, $2; sep = " " }')"
  TOTAL_ACCEPTED=$((TOTAL_ACCEPTED + W_ACCEPTED))
  [[ $mode == stream ]] && TOTAL_STREAM_ACKED=$((TOTAL_STREAM_ACKED + W_ACCEPTED))
  local after
  after=$(end_offsets "$TOPIC")
  W_LANDED=$((after - TOPIC_OFFSET))
  TOPIC_OFFSET=$after
}

grpc_mode() {   # grpc_mode ROUND MODE(unary|stream) SECONDS RAW_RATE
  local round="$1" mode="$2" secs="$3" raw="$4" ev
  wait_for_quiet
  log "round $round: grpc-$mode ($GRPC_CONNECTIONS grpc-java channels, $( [[ $mode == unary ]] && echo "$BATCH_SIZE events/call, $((STREAM_WINDOW / BATCH_SIZE)) calls in flight each" || echo "$STREAM_FRAME events/message, <= $STREAM_WINDOW unacked each"), ${secs}s)"
  run_grpc "grpc-$mode-$round" "$mode" "$GRPC_CONNECTIONS" "$secs"
  ev="$(rate "$W_ACCEPTED" "$secs")"
  add_row "$round" "grpc-$mode" "$ev" "$(awk -v f="$W_FRAMES_S" 'BEGIN { printf "%.0f", f }')" \
    "$W_P50" "$W_P99" "$W_P999" "${W_ERRORS:--}" "$W_ACCEPTED" "$W_LANDED" \
    "$W_CPU_GW" "$W_CPU_BROKER" "$W_CPU_LOAD" "$raw" "$W_CPU_OTHER"
  log "round $round: grpc-$mode $(printf "%'d" "$ev") events/s, p50/p99/p99.9 $W_P50/$W_P99/$W_P999 ms, errors ${W_ERRORS:-none}, landed $W_LANDED accepted $W_ACCEPTED, CPU gw/kafka/GrpcLoad/other $W_CPU_GW/$W_CPU_BROKER/$W_CPU_LOAD/$W_CPU_OTHER"
  printf '%s\t%s\t%s\n' "$round" "grpc-$mode" "$W_THREADS" >>"$RUN/threads.tsv"
}
