#!/usr/bin/env bash
# Installs what the tests need (Debian's chromium, coturn and redis-server, bun, built assets) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v turnserver >/dev/null || need+=(coturn)
command -v redis-server >/dev/null || need+=(redis-server)
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
$BUN test "$@"
