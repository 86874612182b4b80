#!/usr/bin/env bash
# The gateway's receipt key rotated twice while everything runs:
#   tests/integration/gateway_key_rotation_test.sh VITALSIGN GATEWAY AGENT
# A real broker, gateway (local ledger) and sim agent whose gateway keys come
# from a trusted gateway keys file. A rotation planned a few seconds ahead
# (`vitalsign gateway-key rotate --at`) is in the device's file from the
# start: the running gateway switches keys at that time, and the device takes
# the receipts of both keys. A second rotation, at once, reaches the gateway
# before the device: the device refuses the new key's receipts and keeps its
# blocks, then takes them when its file is replaced (read again, no restart).
# Proofs of readings under each of the three keys verify with the trusted
# file; with the first key alone, or with a file that moves a key's window,
# they do not; the whole store, restored from a backup, passes the audit with
# receipts of all three keys. Bad rotations are refused and leave no key.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vitalsign=$1 gateway=$2 agent=$3
source "$here/tests/support/test_rig.sh"
rig_begin gateway_key_rotation_test

# The first seq of the first block sealed after the line matching PATTERN.
seq_sealed_after() {  # PATTERN
  sed -n "/$1/,\$p" "$work/agent.log" | grep -o "sealed block [0-9]*: seq [0-9]*" | head -n 1 |
    grep -o "[0-9]*$"
}
# Waits until the block holding SEQ has a verified receipt.
wait_anchored() {  # SEQ
  local height
  height=$(grep -o "sealed block [0-9]*: seq $1\.\." "$work/agent.log" | grep -o "block [0-9]*" |
    grep -o "[0-9]*$")
  wait_for "receipt for block $height verified" "$work/agent.log" 30
}

start_broker
one_device_keys "$vitalsign" "[metrics]
listen = \"\"
[ledger]
checkpoint_file = \"$work/checkpoint.txt\""

# Refused rotations: a time too soon, a name the key store already has.
status=0
"$vitalsign" gateway-key rotate --config "$work/gateway.toml" --name late \
  --at 2020-01-01T00:00:00Z >"$work/refused.log" 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "is not 5 s ahead" "$work/refused.log" ||
  fail "a rotation in the past: exit $status, $(cat "$work/refused.log")"
status=0
"$vitalsign" gateway-key rotate --config "$work/gateway.toml" --name device \
  >"$work/refused.log" 2>&1 || status=$?
[ "$status" != 0 ] && [ ! -e "$work/keys/trusted_gateway_keys" ] ||
  fail "a rotation to an existing key name: exit $status, $(cat "$work/refused.log")"
[ -e "$work/keys/late.key.pem" ] && fail "a refused rotation left its key"

# Planned: gateway-2 from a few seconds ahead, known to the device at start.
switch=$(date -u -d "@$(($(date +%s) + 7))" +%Y-%m-%dT%H:%M:%SZ)
"$vitalsign" gateway-key rotate --config "$work/gateway.toml" --name gateway-2 --at "$switch" \
  >"$work/rotate.log" 2>&1 || fail "rotate to gateway-2: $(cat "$work/rotate.log")"
grep -q "^gateway .* $switch " "$work/keys/trusted_gateway_keys" &&
  grep -q "^gateway-2 $switch - " "$work/keys/trusted_gateway_keys" ||
  fail "the trusted keys file: $(cat "$work/keys/trusted_gateway_keys")"
cp "$work/keys/trusted_gateway_keys" "$work/device-trusted-keys"
sim_agent_config "$work/agent.toml" device 200
sed -i "s|^public_key = .*|trusted_keys = \"$work/device-trusted-keys\"|" "$work/agent.toml"
printf '[uplink]\nreceipt_timeout_ms = 1000\n' >>"$work/agent.toml"

"$gateway" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
started $gateway_pid
# Appending: the markers this script writes between its lines stay.
"$agent" --config "$work/agent.toml" >>"$work/agent.log" 2>&1 &
agent_pid=$!
started $agent_pid
wait_for "receipt for block 1 verified" "$work/agent.log" 30
grep -q "signing with gateway (from" "$work/gateway.log" || fail "the gateway's key before the switch"
seq_first=1
while [ "$(date +%s)" -le "$(date -u -d "$switch" +%s)" ]; do sleep 0.2; done
echo "--- switched" >>"$work/agent.log"
seq_second=$(
  wait_for "sealed block" "$work/agent.log" 1
  sleep 1
  seq_sealed_after "--- switched"
)
wait_anchored "$seq_second"

# Unplanned: gateway-3 as soon as allowed; the gateway reads the file again,
# the device does not have it yet.
"$vitalsign" gateway-key rotate --config "$work/gateway.toml" --name gateway-3 \
  --at "$(date -u -d "@$(($(date +%s) + 7))" +%Y-%m-%dT%H:%M:%SZ)" \
  >"$work/rotate.log" 2>&1 || fail "rotate to gateway-3: $(cat "$work/rotate.log")"
wait_for "trusted gateway keys read: signing with gateway-2" "$work/gateway.log" 5
wait_for "receipt rejected, block kept: .*gateway key other than the trusted ones" \
  "$work/agent.log" 30
echo "--- device file replaced" >>"$work/agent.log"
cp "$work/keys/trusted_gateway_keys" "$work/device-trusted-keys.tmp"
mv "$work/device-trusted-keys.tmp" "$work/device-trusted-keys"
wait_for "trusted gateway keys read again: .*gateway-3" "$work/agent.log" 10
sleep 0.5
seq_third=$(seq_sealed_after "--- device file replaced")
wait_anchored "$seq_third"
tail_height=$(grep -o "sealed block [0-9]*" "$work/agent.log" | tail -n 1 | grep -o "[0-9]*$")
wait_for "receipt for block $tail_height verified" "$work/agent.log" 30

device=$("$vitalsign" devices --store "$work/gateway-data" --json |
  sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
trusted="$work/keys/trusted_gateway_keys"
proven_keys=""
for seq in "$seq_first" "$seq_second" "$seq_third"; do
  "$vitalsign" proof export --store "$work/gateway-data" --device "$device" --seq "$seq" \
    --gateway-key "$trusted" --checkpoint "$work/checkpoint.txt" --log-key "$work/keys/log.vkey" \
    --out "$work/proof-$seq.json" >"$work/export.log" 2>&1 ||
    fail "proof export of seq $seq: $(cat "$work/export.log")"
  "$vitalsign" verify "$work/proof-$seq.json" --gateway-key "$trusted" \
    --log-key "$work/keys/log.vkey" >"$work/verify.log" 2>&1 ||
    fail "verify seq $seq with the trusted keys: $(cat "$work/verify.log")"
  key=$(grep -o "signed by the trusted gateway key [0-9a-f]*, [a-z0-9-]*" "$work/verify.log" |
    sed 's/.*, //')
  proven_keys="$proven_keys $key"
done
[ "$proven_keys" = " gateway gateway-2 gateway-3" ] ||
  fail "the proofs' receipts were signed by:$proven_keys (want gateway gateway-2 gateway-3)"

# The first key alone does not vouch for the later receipts.
status=0
"$vitalsign" verify "$work/proof-$seq_second.json" --gateway-key "$work/keys/gateway.pub.pem" \
  --log-key "$work/keys/log.vkey" >"$work/verify.log" 2>&1 || status=$?
[ "$status" = 1 ] && grep -q "another gateway key than the trusted ones" "$work/verify.log" ||
  fail "gateway-2's receipt with only the first key: exit $status, $(cat "$work/verify.log")"
# A file in which gateway-2 starts later: its receipt falls outside the window.
sed "s|^gateway-2 [^ ]* |gateway-2 2099-01-01T00:00:00Z |" "$trusted" |
  sed "s|^\(gateway-2 2099-01-01T00:00:00Z\) [^ ]* |\1 - |" >"$work/moved-window"
status=0
"$vitalsign" verify "$work/proof-$seq_second.json" --gateway-key "$work/moved-window" \
  --log-key "$work/keys/log.vkey" >"$work/verify.log" 2>&1 || status=$?
[ "$status" = 1 ] && grep -q "FAIL receipt .*outside its gateway key's validity window" \
  "$work/verify.log" ||
  fail "gateway-2's receipt outside its window: exit $status, $(cat "$work/verify.log")"

# The store, backed up and restored, passes the audit with all three keys.
kill -TERM "$agent_pid" "$gateway_pid"
wait "$agent_pid" "$gateway_pid" 2>/dev/null || true
"$vitalsign" backup --store "$work/gateway-data" --out "$work/gateway.backup" >/dev/null 2>&1 ||
  fail "backup"
sed "s|^data_dir = .*|data_dir = \"$work/restored-data\"|" "$work/gateway.toml" >"$work/restore.toml"
"$vitalsign" restore --from "$work/gateway.backup" --config "$work/restore.toml" \
  >"$work/restore.log" 2>&1 || fail "restore with rotated keys: $(cat "$work/restore.log")"
echo "gateway_key_rotation_test: seqs $seq_first, $seq_second, $seq_third proven under" \
  "gateway, gateway-2 (switched at $switch), gateway-3 (the device refused it until its file" \
  "was replaced); other keys or windows refused; the restored store's audit passed"
