#!/usr/bin/env bash
# Runs sqlmap (Debian's package: apt-get install sqlmap) against the built app's query, path and
# JSON body parameters, with an API key and with a bearer token, and fails if sqlmap finds any
# injection.
#
#   npm run build && bash test/tools/sqlmap.sh
#
# Starts the built app on a free loopback port (embedded in-memory PGlite seeded with the demo
# stations, a bootstrap admin with a per-run password, rate limits raised), logs in, creates an
# API key with every scope, finds a station with observations, then runs one bounded sqlmap per
# target below. Exits non-zero if, for any target:
#   - sqlmap reports an injection point (or a heuristic "might be injectable", which means a
#     database error message reached the response),
#   - the app answered 5xx to any of sqlmap's requests (a payload reached the database and
#     failed there, or something else broke),
#   - the baseline request did not answer what the target expects, sqlmap did not finish its
#     tests (time-out, connection errors), or the app died.
#
# Environment (all optional):
#   SQLMAP_LEVEL (default 3), SQLMAP_RISK (default 2), SQLMAP_TECHNIQUE (default BEUST)
#   SQLMAP_TARGET_TIMEOUT  seconds per target (default 150)
#   SQLMAP_ONLY            run only targets whose name contains this text
#   SQLMAP_CANARY=0        skip the self-test against the deliberately injectable canary server
#   TOOLS_KEEP_TMP=1       keep sqlmap's output directories and the app's log (path printed)
set -euo pipefail

# shellcheck source=test/tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SQLMAP_BIN="${SQLMAP_BIN:-sqlmap}"
LEVEL="${SQLMAP_LEVEL:-3}"
RISK="${SQLMAP_RISK:-2}"
TECHNIQUE="${SQLMAP_TECHNIQUE:-BEUST}"
TARGET_TIMEOUT="${SQLMAP_TARGET_TIMEOUT:-150}"
ONLY="${SQLMAP_ONLY:-}"

command -v "$SQLMAP_BIN" >/dev/null || {
  echo "error: sqlmap not found (apt-get install -y sqlmap)" >&2
  exit 1
}

WORK=$(mktemp -d -t weather-sqlmap.XXXXXX)
CANARY_PID=''
cleanup() {
  if [[ -n "$CANARY_PID" ]]; then kill "$CANARY_PID" 2>/dev/null || true; fi
  app_stop
  if [[ "${TOOLS_KEEP_TMP:-}" == 1 ]]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# The app, credentials and test data
# ---------------------------------------------------------------------------------------------
app_start SEED_DEMO_DATA=true JWT_ACCESS_TTL_SECONDS=7200 LOG_LEVEL=error

TOKEN=$(admin_token)
BEARER=(-H "Authorization: Bearer ${TOKEN}")

# Asserts the status of a request; prints the body. Usage: expect STATUS METHOD PATH [curl args]
expect() {
  local want="$1" out status body
  shift
  out=$(app_curl "$@")
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  if [[ "$status" != "$want" ]]; then
    echo "error: $1 $2 answered ${status}, expected ${want}: ${body:0:300}" >&2
    return 1
  fi
  printf '%s' "$body"
}

STATION_ID=$(json_field "$(expect 200 GET '/v1/stations?code=BER_TEGEL' "${BEARER[@]}")" data.0.id)
[[ -n "$STATION_ID" ]] || { echo 'error: demo station BER_TEGEL not found' >&2; exit 1; }

KEY_JSON=$(expect 201 POST /v1/api-keys "${BEARER[@]}" -H 'Content-Type: application/json' \
  --data "{\"name\":\"sqlmap\",\"scopes\":[\"stations:read\",\"observations:read\",\"observations:write\"],\"resourceId\":\"${STATION_ID}\"}")
API_KEY=$(json_field "$KEY_JSON" key)
APIKEY=(-H "X-API-Key: ${API_KEY}")

# A time range that holds observations, a cursor of a real second page, and local days.
LATEST=$(json_field "$(expect 200 GET "/v1/stations/${STATION_ID}/observations/latest" "${APIKEY[@]}")" observedAt)
read -r FROM TO DAY_FROM DAY_TO < <(node -e '
  const latest = new Date(process.argv[1]).getTime();
  const to = new Date(latest + 1), from = new Date(latest - 6 * 3600e3);
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  console.log(from.toISOString(), to.toISOString(), day(latest - 3 * 86400e3), day(latest - 86400e3));
' "$LATEST")
PAGE=$(expect 200 GET "/v1/stations/${STATION_ID}/observations?from=${FROM}&to=${TO}&limit=2" "${APIKEY[@]}")
CURSOR=$(json_field "$PAGE" nextCursor)
[[ -n "$CURSOR" ]] || { echo "error: no second page of observations: ${PAGE:0:300}" >&2; exit 1; }

# Bodies whose baseline is a stable 409 (the code / the instant already exists): every payload
# reaches the database write, and nothing new is written unless an injection changes that.
DUP_CODE=SQLMAP_DUP
STATION_BODY="{\"code\":\"${DUP_CODE}\",\"name\":\"Sqlmap station\",\"latitude\":10.5,\"longitude\":20.25,\"elevationM\":100,\"timezone\":\"Europe/Berlin\"}"
expect 201 POST /v1/stations "${BEARER[@]}" -H 'Content-Type: application/json' --data "$STATION_BODY" >/dev/null
OBS_BODY='{"observedAt":"2001-02-03T04:05:06Z","temperatureC":10.5,"relativeHumidity":50,"pressureHpa":1000}'
expect 201 POST "/v1/stations/${STATION_ID}/observations" "${APIKEY[@]}" -H 'Content-Type: application/json' \
  --data "$OBS_BODY" >/dev/null
# Login with a wrong password: a stable 401 that an injection would have to turn into a 200.
LOGIN_BODY="{\"email\":\"${TOOLS_ADMIN_EMAIL}\",\"password\":\"not-the-password-42\"}"

log "station ${STATION_ID}; range ${FROM} .. ${TO}; days ${DAY_FROM} .. ${DAY_TO}; API key ${API_KEY:0:20}..."

# ---------------------------------------------------------------------------------------------
# Targets: name | expected baseline status | credential (apikey, bearer, none) | method | path
#           | JSON body (empty for GET) | extra sqlmap options
# `*` in a path marks a custom injection point (sqlmap: URI parameter).
# ---------------------------------------------------------------------------------------------
enc() { node -p 'encodeURIComponent(process.argv[1])' "$1"; }
S="/v1/stations/${STATION_ID}"
STATIONS_Q="code=BER_TEGEL&name=Tegel&minLat=-90&maxLat=90&minLon=-180&maxLon=180&limit=20&offset=0"
OBS_Q="from=$(enc "$FROM")&to=$(enc "$TO")&limit=2"
DAILY_Q="from=${DAY_FROM}&to=${DAY_TO}"

TARGETS=()
add_target() { TARGETS+=("$(printf '%s|' "$@")"); }
for cred in apikey bearer; do
  add_target "stations-query-${cred}" 200 "$cred" GET "/v1/stations?${STATIONS_Q}" '' ''
  add_target "observations-query-${cred}" 200 "$cred" GET "${S}/observations?${OBS_Q}&cursor=${CURSOR}" '' ''
  # The cursor is base64url of JSON: also inject inside its decoded JSON values.
  add_target "observations-cursor-b64-${cred}" 200 "$cred" GET "${S}/observations?${OBS_Q}&cursor=${CURSOR}" '' \
    '-p cursor --base64=cursor --base64-safe --answers=inside=Y'
  add_target "daily-query-${cred}" 200 "$cred" GET "${S}/daily?${DAILY_Q}" '' ''
  add_target "station-path-${cred}" 200 "$cred" GET "${S}*" '' ''
  add_target "observations-path-${cred}" 200 "$cred" GET "${S}*/observations/latest" '' ''
  add_target "observations-body-${cred}" 409 "$cred" POST "${S}/observations" "$OBS_BODY" ''
done
add_target 'stations-body-bearer' 409 bearer POST /v1/stations "$STATION_BODY" ''
add_target 'login-body-public' 401 none POST /v1/auth/login "$LOGIN_BODY" '--ignore-code=401'

# ---------------------------------------------------------------------------------------------
# Running and judging one target
# ---------------------------------------------------------------------------------------------
SUMMARY=()
FAILED=0
SQLMAP_COMMON=(--batch --dbms PostgreSQL --time-sec 2 --timeout 15 --retries 1 --threads 2
  --flush-session --disable-coloring --skip-waf)

# True if sqlmap's console output ($1) or its results CSV (under $2) reports an injection point,
# or a heuristic "might be injectable" (a database error message reached the response).
injection_reported() {
  local out="$1" dir="$2"
  grep -qiE "sqlmap identified the following injection point|^Parameter: .*\(|is vulnerable|appears to be .* injectable|might be injectable" "$out" &&
    return 0
  local rows
  rows=$(cat "$dir"/results-*.csv 2>/dev/null | grep -vc '^Target URL,' || true)
  ((rows > 0))
}

# Self-test: sqlmap, run and judged exactly like the targets, must find the injection in a
# deliberately vulnerable server (test/tools/sqlmap-canary.js). Otherwise a green run means
# nothing (sqlmap broken, its output format changed, the parsing below wrong).
canary_check() {
  local port out="$WORK/canary.txt" dir="$WORK/canary" started
  started=$(date +%s)
  port=$(free_port)
  node "$TOOLS_DIR/sqlmap-canary.js" "$port" >"$WORK/canary.log" 2>&1 &
  CANARY_PID=$!
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:${port}/canary?name=Tegel" && break
    sleep 0.2
  done
  TERM=dumb timeout --kill-after=10 120 "$SQLMAP_BIN" -u "http://127.0.0.1:${port}/canary?name=Tegel" \
    "${SQLMAP_COMMON[@]}" --level 1 --risk 1 --technique BU --output-dir "$dir" </dev/null >"$out" 2>&1 || true
  kill "$CANARY_PID" 2>/dev/null || true
  wait "$CANARY_PID" 2>/dev/null || true
  CANARY_PID=''
  if injection_reported "$out" "$dir"; then
    SUMMARY+=("ok    canary (deliberately injectable server) detected ($(($(date +%s) - started))s)")
  else
    SUMMARY+=("FAIL  canary: sqlmap did NOT detect the deliberately injectable server; this run proves nothing")
    FAILED=1
    tail -n 30 "$out"
  fi
}

run_target() {
  local name="$1" want="$2" cred="$3" method="$4" path="$5" body="$6" extra="$7"
  local dir="$WORK/$name" out="$WORK/$name.txt"
  local auth=()
  case "$cred" in
    apikey) auth=("${APIKEY[@]}") ;;
    bearer) auth=("${BEARER[@]}") ;;
  esac
  local json=()
  [[ -n "$body" ]] && json=(-H 'Content-Type: application/json' --data "$body")

  # Baseline: the unmodified request answers what the target expects.
  if ! expect "$want" "$method" "${path//\*/}" "${auth[@]}" "${json[@]}" >/dev/null; then
    SUMMARY+=("FAIL  ${name}: baseline request did not answer ${want}")
    FAILED=1
    return
  fi

  local args=(-u "${APP_BASE}${path}" "${SQLMAP_COMMON[@]}" --level "$LEVEL" --risk "$RISK"
    --technique "$TECHNIQUE" --output-dir "$dir")
  # A problem body carries the server's own request id (a fresh uuid each time), so two answers
  # to the same request differ; in a short 409 body that uuid is enough for sqlmap to call the
  # page "heavily dynamic" and abort. Such targets compare on the status code instead: an
  # injection would have to change it (409 -> 201, 401 -> 200) to be found, as the baseline says.
  [[ "$want" != 2* ]] && args+=(--code "$want")
  [[ ${#auth[@]} -gt 0 ]] && args+=("${auth[@]}")
  if [[ -n "$body" ]]; then
    args+=(--method "$method" --data "$body" -H 'Content-Type: application/json')
  fi
  # shellcheck disable=SC2206  # extra options are split on spaces on purpose
  [[ -n "$extra" ]] && args+=($extra)

  log "sqlmap: ${name} (${method} ${path%%\?*})"
  local started status=0
  started=$(date +%s)
  TERM=dumb timeout --kill-after=10 "$TARGET_TIMEOUT" "$SQLMAP_BIN" "${args[@]}" </dev/null >"$out" 2>&1 ||
    status=$?
  local took=$(($(date +%s) - started))

  local problems=()
  ((status == 124 || status == 137)) && problems+=("timed out after ${TARGET_TIMEOUT}s")
  injection_reported "$out" "$dir" && problems+=("INJECTION REPORTED")
  # sqlmap's closing tally, e.g. "409 (Conflict) - 743 times, 400 (Bad Request) - 1464 times".
  local codes
  codes=$(grep -E '^[0-9]{3} \([^)]*\) - [0-9]+ times' "$out" | tr '\n' ' ' | sed 's/ *$//' || true)
  if grep -qE '(^|, )5[0-9]{2} \([^)]*\) - [0-9]+ times' <<<"$codes"; then
    problems+=("the app answered 5xx: ${codes}")
  fi
  if ! grep -qE 'do(es)? not (seem|appear) to be injectable' "$out"; then
    problems+=("sqlmap did not complete its tests (exit ${status})")
  fi
  # CRITICAL lines other than the "nothing injectable" verdict mean the run was not sound.
  local critical
  critical=$(grep -E '\[CRITICAL\]' "$out" | grep -vE 'do not appear to be injectable' | head -n 2 | tr '\n' ' ' || true)
  [[ -n "$critical" ]] && problems+=("sqlmap: ${critical}")
  if ! curl -sf -o /dev/null --max-time 10 "$APP_BASE/health/ready"; then
    problems+=("the app is not ready after this target")
  fi

  local params
  params=$(grep -oE "testing for SQL injection on .*parameter '[^']+'" "$out" |
    sed -E "s/testing for SQL injection on (\(custom\) )?//; s/parameter //; s/'//g" |
    tr '\n' ',' | sed 's/,$//; s/,/, /g' || true)
  if ((${#problems[@]} > 0)); then
    FAILED=1
    SUMMARY+=("FAIL  ${name} (${took}s): $(IFS='; '; echo "${problems[*]}")")
    echo "---- sqlmap output for ${name} (findings and warnings) ----"
    grep -vE "\[INFO\] testing '" "$out" | grep -E 'Parameter:|Type:|Title:|Payload:|injectable|vulnerable|CRITICAL|ERROR|WARNING|^[0-9]{3} \(' | head -n 60 || true
  else
    SUMMARY+=("ok    ${name} (${took}s): tested ${params:-?}; responses ${codes:-all 2xx}")
  fi
}

START=$(date +%s)
log "sqlmap $("$SQLMAP_BIN" --version 2>/dev/null | head -n 1): level ${LEVEL}, risk ${RISK}, technique ${TECHNIQUE}, ${TARGET_TIMEOUT}s per target, ${#TARGETS[@]} targets"
[[ "${SQLMAP_CANARY:-1}" == 1 ]] && canary_check
for target in "${TARGETS[@]}"; do
  IFS='|' read -r name want cred method path body extra <<<"$target"
  [[ -n "$ONLY" && "$name" != *"$ONLY"* ]] && continue
  run_target "$name" "$want" "$cred" "$method" "$path" "$body" "$extra"
done

if ! kill -0 "$APP_PID" 2>/dev/null; then
  SUMMARY+=("FAIL  the app died during the run; its log: ${APP_LOG}")
  FAILED=1
fi

echo
echo "---- sqlmap summary ($(($(date +%s) - START))s) ----"
printf '  %s\n' "${SUMMARY[@]}"
if ((FAILED)); then
  echo 'SQLMAP FAILED (see above)' >&2
  TOOLS_KEEP_TMP=1
  exit 1
fi
echo "sqlmap: OK (no injection found in the app; the canary's was)"
