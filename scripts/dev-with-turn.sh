#!/usr/bin/env bash
# Local testing with a relay: starts Debian's coturn from the shipped turnserver.conf on 127.0.0.1
# with a fresh secret, then the app configured to hand out credentials for it. Ctrl+C stops both.
# The relay address here is 127.0.0.1, which the config denies as loopback: exactly that address
# is allowed as a peer (--allow-loopback-peers lifts coturn's built-in refusal; the config's
# denied-peer-ip lines still refuse the rest of 127/8), so two relayed browsers reach each other.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v turnserver >/dev/null || { echo "coturn missing: apt-get install -y coturn" >&2; exit 1; }
SECRET=$(node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
TURN_PORT=${TURN_PORT:-3478}
turnserver -c "$PWD/turnserver.conf" --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$TURN_PORT" \
  --min-port=49160 --max-port=49300 --static-auth-secret="$SECRET" --no-tls --no-dtls \
  --allow-loopback-peers --allowed-peer-ip=127.0.0.1 \
  --log-file=/tmp/onelink-coturn.log --simple-log --no-stdout-log --pidfile=/tmp/onelink-coturn.pid >/dev/null 2>&1 &
TURN_PID=$!
trap 'kill $TURN_PID 2>/dev/null || true' EXIT
echo "coturn on 127.0.0.1:$TURN_PORT (log: /tmp/onelink-coturn.log)"
node scripts/ensure-bun.mjs
node_modules/.bin/bun scripts/build.ts
TURN_URLS="turn:127.0.0.1:$TURN_PORT?transport=udp" TURN_SECRET="$SECRET" NODE_ENV=production \
  node_modules/.bin/bun signal-server/main.ts
