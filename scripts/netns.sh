#!/usr/bin/env bash
# Runs CMD in a network namespace of its own: `lo` up and a veth pair (v0 10.99.0.1/24, v1 10.99.0.2/24),
# nothing else. Janus's ICE skips loopback, so group-call tests give it v0 (ONELINK_NETNS_IFACE) and
# their media stays inside this namespace, never on the machine's own network.
#   bash scripts/netns.sh CMD [ARGS...]
set -euo pipefail

if [ -z "${ONELINK_NETNS_INNER:-}" ]; then
  # As root a plain new namespace; otherwise one inside a user namespace where we are root.
  if unshare -n true 2>/dev/null; then
    ONELINK_NETNS_INNER=1 exec unshare -n -- bash "$0" "$@"
  fi
  ONELINK_NETNS_INNER=1 exec unshare -rn -- bash "$0" "$@"
fi
unset ONELINK_NETNS_INNER

ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 10.99.0.1/24 dev v0
ip addr add 10.99.0.2/24 dev v1
ip link set v0 up
ip link set v1 up
export ONELINK_NETNS_IFACE=v0
exec "$@"
