# shellcheck shell=bash
# The auth modes: sourced by load-tests/bench (ingest rounds, unless --no-auth). The batch row runs on the
# bench gateway with auth.mode none; these rows run the same load (wrk, $BATCH_SIZE events per POST,
# $BATCH_CONNECTIONS connections) on a second gateway (ports $AUTH_HTTP_PORT/$AUTH_ADMIN_PORT, the same
# defaults, routes and JVM) with auth.mode required, right after batch in every round:
#   batch-apikey  Authorization: Bearer sk_<id>_<secret>, a key of the tenants file (stored as its SHA-256)
#   batch-jwt     Authorization: Bearer <JWT>: RS256 over a key pair made for this run, header kid = the public
#                 key's file name (auth.jwt.public-keys), iss/aud = auth.jwt.issuer/audience, claim tenant
# Both name the tenant "bench" (every event type, any topic, no quota). "x raw" of both rows = x batch of
# the same round: the cost of authentication, target >= $AUTH_TARGET (issue 13). Only one gateway takes
# load at a time; an auth row (or its warm-up) with any answer other than 202 ends the run with the
# status counts: a refused credential measures nothing.

AUTH_HTTP_PORT="${BENCH_AUTH_HTTP_PORT:-28084}"
AUTH_ADMIN_PORT="${BENCH_AUTH_ADMIN_PORT:-29084}"
AUTH_TARGET=0.9
AUTH_TENANT=bench
AUTH_KID=bench-rs256
AUTH_ISSUER=https://bench.sluice.invalid
AUTH_AUDIENCE=sluice-bench
AUTH_GW_PID=""
AUTH_COUNTED=0

b64url() { basenc --base64url | tr -d '=\n'; }

# Writes DIR/tenants.yaml (one tenant, one API key) and DIR/jwt/$AUTH_KID.pem (the public key; the
# private one stays in DIR/jwt-signing.key); sets AUTH_API_KEY and AUTH_JWT.
auth_credentials() {
  local dir="$1" id secret sha now exp header payload sig
  id=$(openssl rand -hex 6)
  secret=$(openssl rand 32 | b64url)
  AUTH_API_KEY="sk_${id}_${secret}"
  sha=$(printf %s "$AUTH_API_KEY" | sha256sum | cut -d' ' -f1)
  cat >"$dir/tenants.yaml" <<EOF2
# bench: one tenant that may publish everything, no quota (the rows measure authentication, not quotas)
tenants:
  - name: $AUTH_TENANT
    event-types: ["#"]
    api-keys:
      - client: bench-load
        keys:
          - { id: $id, sha256: "$sha" }
EOF2
  mkdir -p "$dir/jwt"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/jwt-signing.key" 2>"$RUN/openssl.log" \
    && openssl pkey -in "$dir/jwt-signing.key" -pubout -out "$dir/jwt/$AUTH_KID.pem" 2>>"$RUN/openssl.log" \
    || { cat "$RUN/openssl.log" >&2; die "openssl could not make the JWT key pair"; }
  # valid for an hour, or for the whole run when it may last longer
  now=$(date +%s)
  exp=$((now + 3600 + ROUNDS * DURATION * 20))
  header=$(printf '{"alg":"RS256","typ":"JWT","kid":"%s"}' "$AUTH_KID" | b64url)
  payload=$(printf '{"iss":"%s","aud":"%s","sub":"bench-load","tenant":"%s","iat":%d,"nbf":%d,"exp":%d}' \
    "$AUTH_ISSUER" "$AUTH_AUDIENCE" "$AUTH_TENANT" "$now" "$now" "$exp" | b64url)
  sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$dir/jwt-signing.key" -binary | b64url)
  [[ -n $sig ]] || die "openssl could not sign the bench JWT"
  AUTH_JWT="$header.$payload.$sig"
}

# Starts the auth gateway: the bench gateway's configuration on its own ports with auth required.
auth_setup() {
  local dir="$RUN/auth-gateway" probe
  mkdir -p "$dir"
  auth_credentials "$dir"
  sed -e "s/^  port: $HTTP_PORT\$/  port: $AUTH_HTTP_PORT/" -e "s/^  port: $ADMIN_PORT\$/  port: $AUTH_ADMIN_PORT/" \
    -e '/^auth:/,/^  mode:/d' "$GW_CONFIG" >"$dir/gateway.yaml"
  cat >>"$dir/gateway.yaml" <<EOF2
auth:
  mode: required
  tenants-file: tenants.yaml
  jwt:
    issuer: $AUTH_ISSUER
    audience: $AUTH_AUDIENCE
    public-keys: [$dir/jwt/$AUTH_KID.pem]
    tenant-claim: tenant
EOF2
  cp "$RUN/gateway/routes.yaml" "$dir/routes.yaml"
  [[ -d $RUN/gateway/schemas ]] && cp -r "$RUN/gateway/schemas" "$dir/schemas"
  for p in "$AUTH_HTTP_PORT" "$AUTH_ADMIN_PORT"; do
    port_free "$p" || die "port $p is in use${p:+ by $(port_owner "$p")}: stop that process or set BENCH_AUTH_HTTP_PORT / BENCH_AUTH_ADMIN_PORT"
  done
  start_gateway "$dir" "$AUTH_ADMIN_PORT" "auth gateway"
  AUTH_GW_PID=$STARTED_PID
  # the rows measure nothing unless the gateway asks for a credential: one request without any first
  probe="$(curl -sS -o /dev/null -w '%{http_code}' -H 'content-type: application/json' "http://127.0.0.1:$AUTH_HTTP_PORT/v1/events" \
    -d '{"eventId":"00000000-0000-4000-8000-000000000001","eventType":"bench.measured","eventVersion":1,"occurredAt":"2026-01-01T00:00:00Z","source":"bench","data":{}}' || true)"
  [[ $probe == 401 ]] || die "the auth gateway answered $probe, not 401, to an event without a credential"
}

# Points run_wrk at the auth gateway (1) or back at the bench gateway (0).
use_auth_gateway() {
  if (($1)); then
    AUTH_SAVED_GW=("$GW_PID" "$GW_URL" "$ADMIN_PORT")
    GW_PID=$AUTH_GW_PID; GW_URL="http://127.0.0.1:$AUTH_HTTP_PORT"; ADMIN_PORT=$AUTH_ADMIN_PORT
  else
    GW_PID=${AUTH_SAVED_GW[0]}; GW_URL=${AUTH_SAVED_GW[1]}; ADMIN_PORT=${AUTH_SAVED_GW[2]}
  fi
}

# Ends the run when the last wrk run ($1 names it) got any answer but 202: its status counts and a body.
all_accepted() {
  [[ -z $W_ERRORS ]] && return 0
  log "$1: answers other than 202: $W_ERRORS; first bodies: $(sed -n 's/.*"sample_bodies":\({.*}\)}$/\1/p' <<<"$W_JSON")"
  die "$1 got answers other than 202 ($W_ERRORS): the credential was not accepted or the gateway refused load"
}

# The authorization header value of an auth row.
auth_bearer() { [[ $1 == apikey ]] && echo "Bearer $AUTH_API_KEY" || echo "Bearer $AUTH_JWT"; }

auth_warm_up() {   # auth_warm_up SECONDS
  local kind
  for kind in apikey jwt; do
    use_auth_gateway 1
    WRK_AUTHORIZATION="$(auth_bearer "$kind")" run_wrk "warmup-batch-$kind" "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$1"
    use_auth_gateway 0
    all_accepted "warm-up batch-$kind"
  done
}

auth_mode() {   # auth_mode ROUND KIND (apikey | jwt): one row, x raw = x batch of the round
  local round="$1" kind="$2" batch
  batch="$(awk -F'\t' -v r="$round" '$1 == r && $2 == "batch" { print $3 }' "$ROWS" | tail -n1)"
  use_auth_gateway 1
  WRK_AUTHORIZATION="$(auth_bearer "$kind")" gateway_mode "$round" "batch-$kind" "$BATCH_CONNECTIONS" "$BATCH_SIZE" \
    "$DURATION" "$batch"
  use_auth_gateway 0
  all_accepted "round $round: batch-$kind"
}

# Stops the auth gateway; sets AUTH_COUNTED to what it counted as accepted.
auth_teardown() {
  [[ -n $AUTH_GW_PID ]] || return 0
  curl -fsS "http://127.0.0.1:$AUTH_ADMIN_PORT/metrics" >"$RUN/auth-metrics-end.txt" 2>/dev/null || warn "could not read the auth gateway's /metrics"
  AUTH_COUNTED=$(metric_sum sluice_ingest_events_total 'result="accepted"' "$RUN/auth-metrics-end.txt" 2>/dev/null || echo 0)
  log "stopping the auth gateway (SIGTERM)"
  stop_pid "$AUTH_GW_PID" 45
  AUTH_GW_PID=""
}
