#!/usr/bin/env bash
# Outside security tools against the built app, for CI (called from .ci/run) or by hand:
#   npm ci && npm run build && bash .ci/outside-tools.sh
#
#   1. Spectral + OWASP API Security ruleset on the served OpenAPI document (test/tools/spectral.sh)
#   2. sqlmap on query, path and JSON body parameters, with an API key and a bearer token
#      (test/tools/sqlmap.sh; installs Debian's sqlmap package if it is missing)
#
# Both always run; the script fails if either fails, after printing a timing table. It is safe
# to run again: each tool starts its own app on a free loopback port with a throwaway in-memory
# database and removes its temporary files.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

if [[ ! -f dist/src/main.js ]]; then
  echo 'outside-tools: dist/src/main.js is missing; run npm ci and npm run build first' >&2
  exit 1
fi

ensure_sqlmap() {
  if command -v sqlmap >/dev/null 2>&1; then
    echo "sqlmap: already installed ($(sqlmap --version 2>/dev/null | head -n 1))"
    return 0
  fi
  apt-get update
  apt-get install -y --no-install-recommends sqlmap
}

NAMES=()
SECONDS_TAKEN=()
RESULTS=()
FAILED=0

run_tool() {
  local name="$1"
  shift
  echo
  echo "==> [$(date -u +%H:%M:%S)] ${name}: $*"
  local start status=0
  start=$(date +%s)
  "$@" || status=$?
  NAMES+=("$name")
  SECONDS_TAKEN+=("$(($(date +%s) - start))")
  if ((status == 0)); then
    RESULTS+=(ok)
  else
    RESULTS+=("FAILED (exit ${status})")
    FAILED=1
  fi
  echo "<== ${name}: ${RESULTS[-1]} (${SECONDS_TAKEN[-1]}s)"
}

TOTAL_START=$(date +%s)
run_tool 'install sqlmap' ensure_sqlmap
run_tool 'spectral (OWASP ruleset)' bash test/tools/spectral.sh
if [[ "${RESULTS[0]}" == ok ]]; then
  run_tool 'sqlmap' bash test/tools/sqlmap.sh
fi

echo
echo '---- outside tools ----'
for i in "${!NAMES[@]}"; do
  printf '  %-28s %5ss  %s\n' "${NAMES[$i]}" "${SECONDS_TAKEN[$i]}" "${RESULTS[$i]}"
done
printf '  %-28s %5ss\n' 'total' "$(($(date +%s) - TOTAL_START))"
if ((FAILED)); then
  echo 'OUTSIDE TOOLS FAILED' >&2
  exit 1
fi
echo 'outside tools: OK'
