#!/usr/bin/env bash
# Local testing with a relay: starts Debian's coturn on 127.0.0.1 with a fresh secret, then the
# app configured to hand out credentials for it. Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v turnserver >/dev/null || { echo "coturn missing: apt-get install -y coturn" >&2; exit 1; }
SECRET=$(node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
TURN_PORT=${TURN_PORT:-3478}
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$TURN_PORT" \
  --use-auth-secret --static-auth-secret="$SECRET" --realm=onelink --no-tls --no-dtls \
  --allow-loopback-peers --no-cli --min-port=49160 --max-port=49300 --log-file=stdout >/tmp/onelink-coturn.log 2>&1 &
TURN_PID=$!
trap 'kill $TURN_PID 2>/dev/null || true' EXIT
echo "coturn on 127.0.0.1:$TURN_PORT (log: /tmp/onelink-coturn.log)"
node scripts/ensure-bun.mjs
node_modules/.bin/bun scripts/build.ts
TURN_URLS="turn:127.0.0.1:$TURN_PORT?transport=udp" TURN_SECRET="$SECRET" NODE_ENV=production \
  node_modules/.bin/bun signal-server/main.ts
