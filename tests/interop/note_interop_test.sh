#!/usr/bin/env bash
# Checkpoints that tools we did not write accept:
#   tests/interop/note_interop_test.sh VITALSIGN GATEWAY AGENT GOCACHE_DIR
# A real gateway on the local ledger, fed by a sim agent, publishes its
# checkpoint (ledger.checkpoint_file) signed with the log key it made at its
# first start. Go's golang.org/x/mod/sumdb/note (note_check.go) then opens
# it with keys/log.vkey, refuses it changed, reads the gateway's keys/log.skey
# and signs the same text to the very same bytes (Ed25519 is deterministic).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vitalsign=$1 gateway=$2 agent=$3 gocache=$4
source "$here/tests/support/test_rig.sh"
rig_begin note_interop_test

mkdir -p "$gocache"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$gocache" \
  go build -o "$work/note_check" "$here/tests/interop/note_check.go" >"$work/go-build.log" 2>&1 ||
  fail "cannot build note_check.go against Go's note package: $(cat "$work/go-build.log")"

start_broker
start_one_device "$vitalsign" "$gateway" "$agent" 200 "[metrics]
listen = \"\"
[ledger]
origin = \"interop.example/vitalsign\"
checkpoint_file = \"$work/checkpoint.txt\""
for _ in $(seq 1 200); do
  [ "$(grep -c "anchored batch of" "$work/gateway.log" || true)" -ge 3 ] && break
  sleep 0.1
done
[ -s "$work/checkpoint.txt" ] || fail "no checkpoint published"
cp "$work/checkpoint.txt" "$work/note"  # one snapshot: the gateway rewrites it after each anchor
grep -q "made the log's note key" "$work/gateway.log" || fail "the gateway did not say it made its log key"
[ "$(stat -c %a "$work/keys/log.skey")" = 600 ] || fail "log.skey is not mode 0600"

# Go opens our checkpoint with our vkey, and reads what we signed.
"$work/note_check" verify "$work/keys/log.vkey" "$work/note" >"$work/text" 2>"$work/go.log" ||
  fail "Go's note package refuses the checkpoint: $(cat "$work/go.log")"
[ "$(sed -n 1p "$work/text")" = "interop.example/vitalsign" ] || fail "origin: $(cat "$work/text")"
[ "$(sed -n 2p "$work/text")" -ge 1 ] || fail "size: $(cat "$work/text")"
# A changed tree size: Go refuses it.
sed '2s/.*/999999/' "$work/note" >"$work/changed"
if "$work/note_check" verify "$work/keys/log.vkey" "$work/changed" >/dev/null 2>&1; then
  fail "Go's note package accepts a changed checkpoint"
fi
# Go reads our signer key and signs the same text to the same bytes.
"$work/note_check" sign "$work/keys/log.skey" "$work/text" >"$work/go-signed" 2>"$work/go.log" ||
  fail "Go's note package refuses our signer key: $(cat "$work/go.log")"
cmp -s "$work/go-signed" "$work/note" ||
  fail "Go signs the same checkpoint differently: $(diff "$work/go-signed" "$work/note")"
# And what Go signs, vitalsign verifies: a proof up to Go's copy of the checkpoint.
device=$("$vitalsign" devices --store "$work/gateway-data" --json |
  sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
"$vitalsign" proof export --store "$work/gateway-data" --device "$device" --seq 1 \
  --gateway-key "$work/keys/gateway.pub.pem" --checkpoint "$work/go-signed" \
  --log-key "$work/keys/log.vkey" --out "$work/proof.json" >"$work/export.log" 2>&1 ||
  fail "proof export up to Go's checkpoint: $(cat "$work/export.log")"
"$vitalsign" verify "$work/proof.json" --gateway-key "$work/keys/gateway.pub.pem" \
  --log-key "$(cat "$work/keys/log.vkey")" >"$work/verify.log" 2>&1 ||
  fail "verify: $(cat "$work/verify.log")"
echo "note_interop_test: Go's note package opened the checkpoint ($(sed -n 2p "$work/text") entries)," \
  "refused it changed, and signed it to the same bytes with our key; vitalsign verified a proof up to it"
