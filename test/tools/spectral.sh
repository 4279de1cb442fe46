#!/usr/bin/env bash
# Lints the OpenAPI document the app really serves with Spectral and the OWASP API Security
# ruleset (rules in /.spectral.yaml at the repository root).
#
#   npm run build && bash test/tools/spectral.sh
#
# Starts the built app (embedded in-memory PGlite, DOCS_ENABLED=true) on a free loopback port,
# downloads /docs-json, runs `spectral lint` on it and prints every finding plus a count per
# rule. Exits non-zero if there is any finding of severity error (warnings are printed only;
# their reasons are in docs/SECURITY.md, "Spectral warnings"), or if the app or Spectral fail to run.
#
# Environment: SPECTRAL_KEEP=1 keeps the downloaded document and the JSON report (path printed).
set -euo pipefail

# shellcheck source=test/tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPECTRAL="$ROOT_DIR/node_modules/.bin/spectral"
RULESET="$ROOT_DIR/.spectral.yaml"
[[ -x "$SPECTRAL" ]] || { echo "error: $SPECTRAL missing; run npm ci" >&2; exit 1; }
[[ -f "$RULESET" ]] || { echo "error: $RULESET missing" >&2; exit 1; }

WORK=$(mktemp -d -t weather-spectral.XXXXXX)
cleanup() {
  app_stop
  if [[ "${SPECTRAL_KEEP:-}" == 1 ]]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

app_start DOCS_ENABLED=true

DOC="$WORK/openapi.json"
status=$(curl -s --max-time 30 -o "$DOC" -w '%{http_code}' "$APP_BASE/docs-json")
if [[ "$status" != 200 ]]; then
  echo "error: GET /docs-json answered ${status}" >&2
  exit 1
fi
# shellcheck disable=SC2016  # JavaScript, not shell
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!d.openapi || !d.paths) throw new Error("not an OpenAPI document");
  console.log(`document: OpenAPI ${d.openapi}, ${Object.keys(d.paths).length} paths, ${require("fs").statSync(process.argv[1]).size} bytes`);' "$DOC"
app_stop

REPORT="$WORK/spectral.json"
owasp_version=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' \
  "$ROOT_DIR/node_modules/@stoplight/spectral-owasp-ruleset/package.json")
log "spectral $("$SPECTRAL" --version), @stoplight/spectral-owasp-ruleset ${owasp_version}"
# Exit code 1 = findings at or above --fail-severity; anything else non-zero = Spectral failed.
set +e
(cd "$ROOT_DIR" && "$SPECTRAL" lint "$DOC" --ruleset "$RULESET" --fail-severity error \
  --format stylish --format json --output.json "$REPORT")
lint_status=$?
set -e
if [[ $lint_status -ne 0 && $lint_status -ne 1 ]] || [[ ! -s "$REPORT" ]]; then
  echo "error: spectral did not run (exit ${lint_status})" >&2
  exit 2
fi

node - "$REPORT" <<'NODE'
const results = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const names = ['error', 'warning', 'info', 'hint'];
const byRule = new Map();
for (const r of results) {
  const key = `${names[r.severity]} ${r.code}`;
  byRule.set(key, (byRule.get(key) ?? 0) + 1);
}
console.log('\n---- spectral findings per rule ----');
for (const [key, n] of [...byRule].sort()) console.log(`  ${String(n).padStart(4)}  ${key}`);
const count = (s) => results.filter((r) => r.severity === s).length;
console.log(`spectral: ${count(0)} errors, ${count(1)} warnings, ${count(2)} infos, ${count(3)} hints`);
NODE

if [[ $lint_status -ne 0 ]]; then
  echo 'SPECTRAL FAILED: the OpenAPI document has findings of severity error (listed above)' >&2
  exit 1
fi
echo 'spectral: OK (no errors)'
