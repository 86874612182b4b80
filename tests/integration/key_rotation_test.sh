#!/usr/bin/env bash
# A device key rotated while the agent runs, and everything downstream:
#   tests/integration/key_rotation_test.sh VITALSIGN GATEWAY AGENT
# A real broker, gateway (local ledger) and sim agent with an event inbox.
# `vitalsign rotate-key` makes the next key and hands the rotation to the
# agent: the block announcing it is signed by the first key, the blocks after
# it by the new one; the gateway takes them all and records both keys; the
# agent, restarted, keeps signing with the new key; a reading sealed after
# the rotation is proven with the new key (proof export, verify), the
# agent's chain verifies, the FHIR export covers both keys' readings, and a
# rotation to a key that does not exist is refused with the chain unchanged.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vitalsign=$1 gateway=$2 agent=$3
source "$here/tests/support/test_rig.sh"
rig_begin key_rotation_test

start_broker
one_device_keys "$vitalsign" "[metrics]
listen = \"\"
[ledger]
checkpoint_file = \"$work/checkpoint.txt\""
sim_agent_config "$work/agent.toml" device 200
printf '[events]\ninbox_dir = "%s"\n' "$work/inbox" >>"$work/agent.toml"
"$gateway" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
started $!
start_agent() {
  "$agent" --config "$work/agent.toml" >>"$work/agent.log" 2>&1 &
  agent_pid=$!
  started $agent_pid
}
start_agent
wait_for "receipt for block 1 verified" "$work/agent.log" 30

# A rotation to a key that is not there: refused, the chain keeps its key.
mkdir -p "$work/inbox"
printf 'key_rotation missing-key\n' >"$work/inbox/x.tmp" && mv "$work/inbox/x.tmp" "$work/inbox/x.event"
wait_for "key rotation to 'missing-key' refused" "$work/agent.log" 10

"$vitalsign" rotate-key --dir "$work/keys" --name device-2 --inbox "$work/inbox" \
  >"$work/rotate.log" 2>&1 || fail "rotate-key: $(cat "$work/rotate.log")"
wait_for "key rotated to 'device-2'" "$work/agent.log" 10
rotated=$(grep -o "announced in block [0-9]*" "$work/agent.log" | grep -o "[0-9]*$")
wait_for "receipt for block $((rotated + 2)) verified" "$work/agent.log" 30

# The gateway knows both keys; the device id is the first key's.
"$vitalsign" devices --store "$work/gateway-data" --json >"$work/devices.json"
grep -q '"keys":2' "$work/devices.json" || fail "the gateway's registry: $(cat "$work/devices.json")"

# Restarted, the agent signs with the new key (the gateway takes its blocks).
kill -TERM "$agent_pid"
wait "$agent_pid" 2>/dev/null || true
"$vitalsign" chain verify --store "$work/device-data" >"$work/chain.log" 2>&1 ||
  fail "chain verify across the rotation: $(cat "$work/chain.log")"
tip=$(grep -o "sealed block [0-9]*" "$work/agent.log" | tail -n 1 | grep -o "[0-9]*$")
start_agent
wait_for "receipt for block $((tip + 2)) verified" "$work/agent.log" 30
grep -q "device key 'device-2'" "$work/agent.log" && fail "the restarted agent could not load its key"

# The FHIR export covers the readings of both keys, each block verified.
device=$("$vitalsign" devices --store "$work/gateway-data" --json |
  sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
"$vitalsign" fhir export --store "$work/gateway-data" --device "$device" --by key_rotation_test \
  --out "$work/bundle.json" >"$work/fhir.log" 2>&1 || fail "fhir export: $(cat "$work/fhir.log")"
after=$(grep "sealed block $((rotated + 1)):" "$work/agent.log" | head -n 1 | grep -o "seq [0-9]*" |
  grep -o "[0-9]*$")
python3 - "$work/bundle.json" "$after" <<'PY' || fail "the FHIR export does not cover both keys"
import json, sys
bundle = json.load(open(sys.argv[1]))
seqs = [int(ident["value"].rsplit("/", 1)[-1]) for e in bundle["entry"]
        for ident in e["resource"].get("identifier", [])
        if ident.get("system") == "urn:vitalsign:reading"]
assert seqs and min(seqs) < int(sys.argv[2]) <= max(seqs), (min(seqs), max(seqs), sys.argv[2])
PY
# Readings before and after the rotation are proven up to the checkpoint:
# the later proof carries the rotation (announced in a block the first key
# signed), and both files hold to the published JSON Schema.
proof() {  # SEQ
  "$vitalsign" proof export --store "$work/gateway-data" --device "$device" --seq "$1" \
    --gateway-key "$work/keys/gateway.pub.pem" --checkpoint "$work/checkpoint.txt" \
    --log-key "$work/keys/log.vkey" --out "$work/proof-$1.json" >"$work/export.log" 2>&1 ||
    fail "proof export of seq $1: $(cat "$work/export.log")"
  "$vitalsign" verify "$work/proof-$1.json" --gateway-key "$work/keys/gateway.pub.pem" \
    --log-key "$work/keys/log.vkey" >"$work/verify.log" 2>&1 ||
    fail "verify seq $1: $(cat "$work/verify.log")"
  python3 "$here/tests/support/validate_json_schema.py" "$here/proto/proof.schema.json" \
    "$work/proof-$1.json" >"$work/schema.log" 2>&1 || fail "schema, seq $1: $(cat "$work/schema.log")"
}
proof 1
grep -q "key_rotations" "$work/proof-1.json" && fail "a first-key proof carries a rotation"
proof "$after"
grep -q "signed by the device (key 1, rotated in blocks $rotated)" "$work/verify.log" ||
  fail "the proof of seq $after does not follow the rotation: $(cat "$work/verify.log")"
echo "key_rotation_test: rotated in block $rotated; the gateway holds both keys; the restarted" \
  "agent's blocks accepted; chain verify, the FHIR export and proofs across it; a missing key" \
  "refused"
