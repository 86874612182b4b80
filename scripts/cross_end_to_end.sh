#!/usr/bin/env bash
# One end-to-end run of an agent built for another architecture, under
# qemu-user, against the native Mosquitto and vitalsign-gateway (build/gcc):
#   scripts/cross_end_to_end.sh AGENT_BINARY QEMU
# The agent replays a finite file of readings (boards/replay/sample.csv, in
# a loop of $VS_CROSS_READINGS readings, default 200), seals and publishes
# them; the gateway verifies and anchors them on its local ledger and sends
# receipts. Passes when the gateway holds every block and, once the agent
# has stopped, the agent's own store shows each block retired by a verified
# receipt and its chain verifies. The agent's store is read only after it
# stopped: LMDB's lock file is not shared between processes of different
# architectures (its mutexes differ in size), as it never is on a board.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
agent_binary=$1
qemu=$(command -v "$2")
native=$here/build/gcc/tools
readings=${VS_CROSS_READINGS:-200}
source "$here/tests/support/test_rig.sh"
rig_begin cross_end_to_end

start_broker

mkdir -p "$work/keys"
"$native/vitalsign" keygen --dir "$work/keys" --name device >/dev/null
"$native/vitalsign" keygen --dir "$work/keys" --name gateway >/dev/null
device=$("$native/vitalsign" enrol --store "$work/gateway-data" --key "$work/keys/device.pub.pem" \
  --create | awk '{print $NF}')
# The sample's readings, shifted in time, until there are $readings of them.
awk -F, -v want="$readings" 'NR == 1 { print; next } /^#/ { next } { rows[++n] = $0 }
  END { for (i = 0; i < want; ++i) { split(rows[i % n + 1], f, ",");
        printf "%d,%s,%s,%s,%s\n", 1767225600000 + i * 250, f[2], f[3], f[4], f[5] } }' \
  "$here/boards/replay/sample.csv" >"$work/readings.csv"

gateway_config
replay_agent_config "$work/readings.csv" 16 500
"$native/vitalsign-gateway" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
started $!
"$qemu" -L / "$agent_binary" --config "$work/agent.toml" >"$work/agent.log" 2>&1 &
agent_pid=$!
started "$agent_pid"

# Done when the replay is over and the agent's log says its backlog of
# blocks without an anchored receipt is empty (at most 4 minutes).
for _ in $(seq 1 240); do
  sleep 1
  if grep -q "replay finished" "$work/agent.log" && grep -q "receipt for block" "$work/agent.log"; then
    backlog=$(grep -o "backlog [0-9]*" "$work/agent.log" | tail -1 | awk '{print $2}')
    [ "${backlog:-1}" = 0 ] && break
  fi
done
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the arm64 agent did not stop cleanly"

show=$("$native/vitalsign" chain show --store "$work/agent-data" --limit 1000) ||
  fail "cannot read the arm64 agent's store"
"$native/vitalsign" chain verify --store "$work/agent-data" >/dev/null ||
  fail "the arm64 agent's chain does not verify"
next_seq=$(awk '/^next seq/ {print $3}' <<<"$show")
backlog=$(awk '/^backlog/ {print $2}' <<<"$show")
blocks=$(awk '/^tip/ {print $3}' <<<"$show" | tr -d ,)
[ "$next_seq" = "$readings" ] || fail "the agent took $next_seq readings, not $readings"
[ "$backlog" = 0 ] || fail "$backlog blocks of the arm64 agent lack an anchored receipt"
status=$("$native/vitalsign" status --store "$work/gateway-data") || fail "cannot read the gateway"
grep -q "$device" <<<"$status" || fail "the gateway does not know device $device"
echo "cross_end_to_end: arm64 agent: $readings readings in $((blocks + 1)) blocks, every one" \
  "anchored by the native gateway and its receipt verified on the device; chain verifies"
