# shellcheck shell=bash
# Shared helpers for the outside-tool scripts in test/tools (sourced, not run).
#
# They start the BUILT app (`npm run build` first: dist/src/main.js) as a child process on a free
# loopback port, on embedded in-memory PGlite, with a bootstrap admin whose password is new on
# every run, and stop it again. Nothing here listens on anything but 127.0.0.1.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   app_start VAR=value ...      # extra environment for the app; sets APP_BASE, APP_PID, APP_LOG
#   trap app_stop EXIT
#   json_field "$json" accessToken

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$TOOLS_DIR/../.." && pwd)"
APP_MAIN="$ROOT_DIR/dist/src/main.js"
APP_START_TIMEOUT_S="${APP_START_TIMEOUT_S:-90}"

APP_PID=''
APP_BASE=''
APP_LOG=''
APP_WORK_DIR=''

# The bootstrap admin of the throwaway database: a fresh password on every run.
TOOLS_ADMIN_EMAIL='tools-admin@tools.invalid'
TOOLS_ADMIN_PASSWORD="tools-$(node -e 'process.stdout.write(require("crypto").randomBytes(18).toString("base64url"))')"

# Rate limits raised so an outside tool's many requests are not answered 429 (the limiter
# itself still runs on every request).
TOOLS_RATE_LIMITS=(
  RATE_LIMIT_IP_PER_MINUTE=1000000
  RATE_LIMIT_VIEWER_PER_MINUTE=1000000
  RATE_LIMIT_OPERATOR_PER_MINUTE=1000000
  RATE_LIMIT_ADMIN_PER_MINUTE=1000000
  RATE_LIMIT_API_KEY_PER_MINUTE=1000000
  RATE_LIMIT_LOGIN_IP_PER_15_MINUTES=1000000
  RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL=1000000
  RATE_LIMIT_REGISTER_PER_IP_PER_HOUR=1000000
  RATE_LIMIT_API_KEY_ISSUE_PER_HOUR=1000000
)

log() { echo "[$(date -u +%H:%M:%S)] $*"; }

free_port() {
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => console.log(port)); });'
}

# Prints one field of a JSON document (a dotted path, e.g. data.0.id); empty if absent.
json_field() {
  node -e '
    let v = JSON.parse(process.argv[1]);
    for (const k of process.argv[2].split(".")) v = v == null ? undefined : v[k];
    if (v !== undefined && v !== null) process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1" "$2"
}

# Starts the app with the given extra VAR=value settings and waits for /health/ready.
app_start() {
  if [[ ! -f "$APP_MAIN" ]]; then
    echo "error: $APP_MAIN not found; run \`npm run build\` first" >&2
    return 1
  fi
  local port
  port=$(free_port)
  APP_BASE="http://127.0.0.1:${port}"
  # A working directory outside the repository: main.ts reads ./.env when present, and a
  # developer's .env must not change what these tools test.
  APP_WORK_DIR=$(mktemp -d -t weather-tools-app.XXXXXX)
  APP_LOG="$APP_WORK_DIR/app.log"
  (
    cd "$APP_WORK_DIR" || exit 1
    exec env -u DATABASE_URL -u REDIS_URL \
      NODE_ENV=development \
      HOST=127.0.0.1 \
      PORT="$port" \
      LOG_LEVEL="${TOOLS_APP_LOG_LEVEL:-warn}" \
      PGLITE_DATA_DIR=memory:// \
      SEED_DEMO_DATA=false \
      DOCS_ENABLED=false \
      BOOTSTRAP_ADMIN_EMAIL="$TOOLS_ADMIN_EMAIL" \
      BOOTSTRAP_ADMIN_PASSWORD="$TOOLS_ADMIN_PASSWORD" \
      "${TOOLS_RATE_LIMITS[@]}" \
      "$@" \
      node "$APP_MAIN"
  ) >"$APP_LOG" 2>&1 &
  APP_PID=$!
  log "app: pid ${APP_PID} on ${APP_BASE} (log: ${APP_LOG})"
  local deadline=$(($(date +%s) + APP_START_TIMEOUT_S))
  until curl -sf -o /dev/null --max-time 2 "$APP_BASE/health/ready"; do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      echo "error: the app exited during start; its log:" >&2
      tail -n 50 "$APP_LOG" >&2
      APP_PID=''
      return 1
    fi
    if (($(date +%s) > deadline)); then
      echo "error: the app was not ready within ${APP_START_TIMEOUT_S}s; its log:" >&2
      tail -n 50 "$APP_LOG" >&2
      return 1
    fi
    sleep 0.3
  done
  log "app: ready"
}

# Stops the app started by app_start (SIGTERM, then SIGKILL after 15 s). Safe to call twice.
app_stop() {
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill -TERM "$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$APP_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$APP_PID" 2>/dev/null; then
      echo "app did not stop within 15s; killing it" >&2
      kill -KILL "$APP_PID" 2>/dev/null || true
    fi
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=''
  if [[ -n "$APP_WORK_DIR" && -d "$APP_WORK_DIR" && "${TOOLS_KEEP_TMP:-}" != 1 ]]; then
    rm -rf "$APP_WORK_DIR"
  fi
}

# curl against the app: prints the body, and the HTTP status on a last line of its own.
# Usage: app_curl METHOD PATH [curl args...]
app_curl() {
  local method="$1" path="$2"
  shift 2
  curl -s --max-time 30 -X "$method" -w '\n%{http_code}' "$APP_BASE$path" "$@"
}

# Logs in as the bootstrap admin and prints the access token.
admin_token() {
  local out status body
  out=$(app_curl POST /v1/auth/login -H 'Content-Type: application/json' \
    --data "{\"email\":\"${TOOLS_ADMIN_EMAIL}\",\"password\":\"${TOOLS_ADMIN_PASSWORD}\"}")
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  if [[ "$status" != 200 ]]; then
    echo "error: admin login answered ${status}: ${body:0:300}" >&2
    return 1
  fi
  json_field "$body" accessToken
}
