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
if bash scripts/netns.sh true 2>/dev/null; then
  bash scripts/netns.sh $BUN test --timeout 60000 "$@"
else
  echo "test.sh: cannot make a network namespace here (unshare -n is not permitted): running outside one;" >&2
  echo "test.sh: group media tests will fail, since Janus's ICE needs the namespace's veth interface." >&2
  $BUN test --timeout 60000 "$@"
fi
