#!/usr/bin/env bash
# Installs what the tests need (Debian's chromium, coturn, redis-server and janus, bun, built assets) and runs every
# test inside a network namespace of the run's own (scripts/netns.sh), where group-call media can flow through Janus.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v turnserver >/dev/null || need+=(coturn)
command -v redis-server >/dev/null || need+=(redis-server)
command -v openssl >/dev/null || need+=(openssl)
[ -x /usr/bin/janus ] || need+=(janus)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

node scripts/ensure-bun.mjs
BUN=node_modules/.bin/bun
# One style: formatting and lint first (`npm run fix` applies what can be applied).
node_modules/.bin/biome ci --colors=off .
$BUN scripts/build.ts
$BUN x tsc -p tsconfig.json
run=($BUN test --timeout 60000 "$@")
if bash scripts/netns.sh true 2>/dev/null; then
  run=(bash scripts/netns.sh "${run[@]}")
else
  echo "test.sh: cannot make a network namespace here (unshare -n is not permitted): running outside one;" >&2
  echo "test.sh: group media tests will fail, since Janus's ICE needs the namespace's veth interface." >&2
fi
# The run's output is kept, so that a failure's own lines (far up a long run) are printed again at its end.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"${run[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  summary=$(grep -n "tests\? failed:$" "$log" | tail -1 | cut -d: -f1 || true)
  echo
  echo "test.sh: the run failed (exit $rc); each failed test again, with the 60 lines before it:"
  { grep -n "^(fail)" "$log" || true; } | cut -d: -f1 | while read -r n; do
    if [ -n "$summary" ] && [ "$n" -ge "$summary" ]; then break; fi
    echo "----"
    sed -n "$((n > 60 ? n - 60 : 1)),${n}p" "$log"
  done | head -400
fi
exit "$rc"
