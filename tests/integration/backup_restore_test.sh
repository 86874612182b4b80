#!/usr/bin/env bash
# Backup under load, restore, carry on, nothing anchored twice:
#   tests/integration/backup_restore_test.sh VITALSIGN GATEWAY AGENT ANVIL
# A real Mosquitto, a real anvil (the EVM ledger), a gateway and three sim
# agents. `vitalsign backup` copies the gateway's store while it anchors;
# the gateway then anchors more batches and is stopped (its disk "lost").
# `vitalsign restore` makes a new store from the copy (audited, batch ids
# past the chain's, devices rewound); a gateway on it must take every block
# the devices sealed, those anchored after the copy with the receipts the
# devices hold. Then, read back from the chain: every batch id once, and
# the blocks of all batches add up to the blocks sealed: none anchored twice.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vitalsign=$1 gateway=$2 agent=$3 anvil=$4
source "$here/tests/support/test_rig.sh"
rig_begin backup_restore_test
devices=(dev-a dev-b dev-c)

start_broker
anvil_port=$(free_port)
"$anvil" --host 127.0.0.1 --port "$anvil_port" --chain-id 31337 --silent >"$work/anvil.log" 2>&1 &
started $!
anvil_url="http://127.0.0.1:$anvil_port"
account=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266  # anvil's first development account
"$vitalsign" keygen --dir "$work/keys" --name gateway >/dev/null
for name in "${devices[@]}"; do
  "$vitalsign" keygen --dir "$work/keys" --name "$name" >/dev/null
  "$vitalsign" enrol --store "$work/gateway-data" --key "$work/keys/$name.pub.pem" --create >/dev/null
  sim_agent_config "$work/$name.toml" "$name" 300
done
ledger="[metrics]
listen = \"\"
[ledger]
kind = \"evm\"
[ledger.evm]
url = \"$anvil_url\"
from = \"$account\"
poll_interval_ms = 50"
gateway_config "$ledger"
# Batches every 1.5 s: blocks wait in the queue, and the copy catches some.
sed -i 's/^max_age_ms = 200$/max_age_ms = 1500/' "$work/gateway.toml"
for _ in $(seq 1 100); do
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$anvil_url" && break
  sleep 0.1
done

"$gateway" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
started $gateway_pid
for name in "${devices[@]}"; do
  "$agent" --config "$work/$name.toml" >"$work/$name.log" 2>&1 &
  started $!
  eval "pid_${name//-/_}=$!"
done

anchored() { grep -c "anchored batch of" "$1" || true; }
wait_anchored() {  # LOG COUNT
  for _ in $(seq 1 300); do
    [ "$(anchored "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "fewer than $2 batches anchored in 30 s ($1)"
}

# Under load: the copy is taken while blocks arrive and batches are anchored.
wait_anchored "$work/gateway.log" 3
sleep 0.7  # half a batch: blocks are queued, not yet anchored
"$vitalsign" backup --store "$work/gateway-data" --out "$work/gateway.backup" >"$work/backup.out" \
  2>&1 || fail "backup: $(cat "$work/backup.out")"
grep -q "compacted" "$work/backup.out" || fail "backup said: $(cat "$work/backup.out")"
"$vitalsign" backup --store "$work/gateway-data" --out "$work/gateway.backup" >/dev/null 2>&1 &&
  fail "a second backup overwrote the first"
at_copy=$(anchored "$work/gateway.log")
wait_anchored "$work/gateway.log" $((at_copy + 3))  # anchored after the copy: lost with the store
kill -TERM "$gateway_pid"
wait "$gateway_pid" 2>/dev/null || true
sleep 1  # the devices go on sealing, their outboxes grow

# The restore, into a new directory; refused into one that is in use.
sed "s|$work/gateway-data|$work/gateway-restored|" "$work/gateway.toml" >"$work/restored.toml"
if "$vitalsign" restore --from "$work/gateway.backup" --config "$work/gateway.toml" \
  >"$work/refused.out" 2>&1; then fail "restored over a store in use"; fi
grep -q "not empty" "$work/refused.out" || fail "refusal said: $(cat "$work/refused.out")"
head -c 65536 /dev/urandom >"$work/not-a-backup"
status=0
"$vitalsign" restore --from "$work/not-a-backup" --config "$work/restored.toml" \
  >"$work/refused.out" 2>&1 || status=$?
[ "$status" = 3 ] && grep -q "not an LMDB store" "$work/refused.out" ||
  fail "a file that is no backup: exit $status, $(cat "$work/refused.out")"
[ ! -e "$work/gateway-restored" ] && [ ! -e "$work/gateway-restored.restoring" ] ||
  fail "a refused restore left a store behind"
"$vitalsign" restore --from "$work/gateway.backup" --config "$work/restored.toml" --json \
  >"$work/restore.json" 2>"$work/restore.log" || fail "restore: $(cat "$work/restore.log")"
python3 - "$work/restore.json" <<'PY' || fail "restore report: $(cat "$work/restore.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["devices"] == 3 and r["blocks"] > 0 and r["receipts"] > 0, r
assert r["next_batch_id"] > r["next_batch_id_before"], "batch ids did not move past the chain's"
assert r["blocks_asked_again"] > 0 and r["queue_emptied"] > 0, "the copy caught no queued block"
assert "EVM ledger" in r["ledger_check"], r["ledger_check"]
PY

"$gateway" --config "$work/restored.toml" >"$work/restored-gateway.log" 2>&1 &
restored_pid=$!
started $restored_pid
agent_tip() {  # NAME: the agent's tip height (read-only, safe while it runs)
  "$vitalsign" chain verify --store "$work/$1-data" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["tip_height"])'
}
gateway_tips() {  # the restored gateway's tips, "device=height held queued" per line
  "$vitalsign" status --store "$work/gateway-restored" --json | python3 -c '
import json, sys
for d in json.load(sys.stdin)["devices"]:
    print(d["device_id"], d["tip_height"], d["held_blocks"], d["queued_blocks"])'
}
# The devices carry on: the restored gateway must reach at least the tips
# they have now, holding nothing past a gap.
sleep 2
expected=""
for name in "${devices[@]}"; do expected+="$(agent_tip "$name") "; done
done_all=""
for _ in $(seq 1 300); do
  tips=$(gateway_tips)
  if python3 - "$expected" "$tips" <<'PY'; then done_all=1; break; fi
import sys
want = sorted(int(x) for x in sys.argv[1].split())
rows = [line.split() for line in sys.argv[2].splitlines()]
have = sorted(int(r[1]) for r in rows if r[1] != "None")
held = sum(int(r[2]) for r in rows)
sys.exit(0 if len(have) == 3 and all(h >= w for h, w in zip(have, want)) and held == 0 else 1)
PY
  sleep 0.2
done
[ -n "$done_all" ] || fail "the restored gateway did not catch up: want tips $expected, have: $(gateway_tips)"
grep -q "gateway asked for heights" "$work/dev-a.log" "$work/dev-b.log" "$work/dev-c.log" ||
  fail "no device was asked for the blocks after the copy"
grep -q "came back with their receipts" "$work/restored-gateway.log" ||
  fail "no block came back with its receipt"
for name in "${devices[@]}"; do
  pid_var="pid_${name//-/_}"
  kill -TERM "${!pid_var}"
  wait "${!pid_var}" 2>/dev/null || true
done
sleep 1
kill -TERM "$restored_pid"
wait "$restored_pid" 2>/dev/null || true
gateway_tips >"$work/final-tips.txt"
for name in "${devices[@]}"; do
  grep -q " $(agent_tip "$name") 0 0\$" "$work/final-tips.txt" ||
    fail "$name's last block is not at the gateway, anchored: $(cat "$work/final-tips.txt")"
done

# Every block the devices sealed is at the gateway, verified with its receipt:
# the final store, backed up and restored again, passes the whole audit.
"$vitalsign" backup --store "$work/gateway-restored" --out "$work/final.backup" >/dev/null ||
  fail "backup of the restored store"
sed "s|$work/gateway-data|$work/gateway-final|" "$work/gateway.toml" >"$work/final.toml"
"$vitalsign" restore --from "$work/final.backup" --config "$work/final.toml" --json \
  >"$work/final.json" 2>"$work/final.log" || fail "audit of the final store: $(cat "$work/final.log")"

# From the chain: the anchors of account 0, each batch id once; with the
# blocks each store says a batch held, every sealed block anchored once.
"$vitalsign" status --store "$work/gateway-data" --json --anchors 100000 >"$work/old-status.json"
"$vitalsign" status --store "$work/gateway-restored" --json --anchors 100000 >"$work/new-status.json"
python3 - "$anvil_url" "$account" "$work/old-status.json" "$work/new-status.json" \
  "$work/final.json" "$work/restore.json" <<'PY' || fail "anchors on the chain do not add up"
import json, sys, urllib.request
url, account = sys.argv[1], sys.argv[2].lower()
def rpc(method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["result"]
on_chain = []
for number in range(int(rpc("eth_blockNumber", []), 16) + 1):
    for tx in rpc("eth_getBlockByNumber", [hex(number), True])["transactions"]:
        if tx["from"].lower() == account:
            data = bytes.fromhex(tx["input"][2:])
            assert len(data) == 40, tx["input"]
            on_chain.append(int.from_bytes(data[32:], "big"))
assert len(on_chain) == len(set(on_chain)), f"a batch id anchored twice: {sorted(on_chain)}"
batches = {}
for path in sys.argv[3:5]:
    for anchor in json.load(open(path))["recent_anchors"]:
        previous = batches.setdefault(anchor["batch_id"], anchor)
        assert previous["transaction"] == anchor["transaction"], (previous, anchor)
assert sorted(batches) == sorted(on_chain), (sorted(batches), sorted(on_chain))
final = json.load(open(sys.argv[5]))
anchored_blocks = sum(b["blocks"] for b in batches.values())
assert anchored_blocks == final["blocks"] == final["receipts"], \
    f"{anchored_blocks} blocks in batches, {final['blocks']} sealed, {final['receipts']} receipts"
restore = json.load(open(sys.argv[6]))
print(f"backup_restore_test: {len(on_chain)} anchors on the chain, each batch id once; "
      f"{final['blocks']} blocks, each in one batch; restore rewound "
      f"{restore['blocks_asked_again']} blocks, batch ids {restore['next_batch_id_before']} -> "
      f"{restore['next_batch_id']}")
PY
echo "backup_restore_test: passed"
