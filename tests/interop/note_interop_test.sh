#!/usr/bin/env bash
# Checkpoints that tools we did not write accept, and a witness:
#   tests/interop/note_interop_test.sh VITALSIGN GATEWAY AGENT GOCACHE_DIR
# A real gateway on the local ledger, fed by a sim agent, publishes its
# checkpoint (ledger.checkpoint_file) signed with the log key it made at its
# first start. Go's golang.org/x/mod/sumdb/note (note_check.go) then opens
# it with keys/log.vkey, refuses it changed, reads the gateway's keys/log.skey
# and signs the same text to the very same bytes (Ed25519 is deterministic).
# Then `vitalsign witness` follows the log as it grows (consistency proofs),
# refuses an old size (409) and a split view (422), Go opens the cosigned
# checkpoint with the log's and the witness's keys, and `vitalsign verify`
# asks for the witness's cosignature on a proof's checkpoint.
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

# A witness follows the log: its first cosignature (from size 0).
mkdir -p "$work/witness"
"$vitalsign" witness keygen --name witness.example/w1 --key "$work/witness/w1.skey" >/dev/null
"$vitalsign" witness keygen --name witness.example/w2 --key "$work/witness/w2.skey" >/dev/null
cosign() {  # CHECKPOINT OLD OUT: the witness's answer to the log's request
  "$vitalsign" witness request --store "$work/gateway-data" --checkpoint "$1" --old "$2" \
    >"$work/request" 2>"$work/witness.log" || fail "witness request: $(cat "$work/witness.log")"
  "$vitalsign" witness add-checkpoint --key "$work/witness/w1.skey" \
    --log-key "$work/keys/log.vkey" --state "$work/witness/state" --request "$work/request" \
    >"$3" 2>"$work/witness.log"
}
size1=$(sed -n 2p "$work/text")
cosign "$work/note" 0 "$work/cosignature1" || fail "witness refused: $(cat "$work/witness.log")"
cat "$work/note" "$work/cosignature1" >"$work/cosigned1"
"$work/note_check" cosigned "$work/keys/log.vkey" "$work/witness/w1.vkey" "$work/cosigned1" \
  >/dev/null 2>"$work/go.log" || fail "Go refuses the cosigned checkpoint: $(cat "$work/go.log")"
# The log grows; the witness follows it with a consistency proof.
for _ in $(seq 1 200); do
  [ "$(sed -n 2p "$work/checkpoint.txt")" -gt "$size1" ] && break
  sleep 0.1
done
cp "$work/checkpoint.txt" "$work/note2"
size2=$(sed -n 2p "$work/note2")
[ "$size2" -gt "$size1" ] || fail "the log did not grow past $size1 entries"
cosign "$work/note2" "$size1" "$work/cosignature2" || fail "witness refused: $(cat "$work/witness.log")"
cat "$work/note2" "$work/cosignature2" >"$work/cosigned2"
"$work/note_check" cosigned "$work/keys/log.vkey" "$work/witness/w1.vkey" "$work/cosigned2" \
  >/dev/null 2>"$work/go.log" || fail "Go refuses the cosigned checkpoint: $(cat "$work/go.log")"
# Asked again from the old size: 409, and the size it holds.
if cosign "$work/note2" "$size1" "$work/answer"; then fail "the witness cosigned from a stale size"; fi
grep -q "409" "$work/witness.log" || fail "stale size: $(cat "$work/witness.log")"
[ "$(cat "$work/answer")" = "$size2" ] || fail "409 answer: $(cat "$work/answer")"
# A split view: the log's key signs another tree of the same size (here Go,
# with the gateway's own key): the witness refuses it.
printf '%s
%s
%s
' "interop.example/vitalsign" "$size2" \
  "$(python3 -c 'import base64, hashlib; print(base64.b64encode(hashlib.sha256(b"another").digest()).decode())')" \
  >"$work/forged-text"
"$work/note_check" sign "$work/keys/log.skey" "$work/forged-text" >"$work/forged" ||
  fail "Go could not sign the forged checkpoint"
if cosign "$work/forged" "$size2" "$work/answer"; then fail "the witness cosigned a split view"; fi
grep -q "422.*split view" "$work/witness.log" || fail "split view: $(cat "$work/witness.log")"

# A proof up to the cosigned checkpoint, with the witness required.
"$vitalsign" proof export --store "$work/gateway-data" --device "$device" --seq 1 \
  --gateway-key "$work/keys/gateway.pub.pem" --checkpoint "$work/cosigned2" \
  --log-key "$work/keys/log.vkey" --out "$work/witnessed.json" >"$work/export.log" 2>&1 ||
  fail "proof export up to the cosigned checkpoint: $(cat "$work/export.log")"
verify_witnessed() {
  "$vitalsign" verify "$work/witnessed.json" --gateway-key "$work/keys/gateway.pub.pem" \
    --log-key "$work/keys/log.vkey" "$@" >"$work/verify.log" 2>&1
}
verify_witnessed --witness-key "$work/witness/w1.vkey" || fail "verify: $(cat "$work/verify.log")"
grep -q "cosigned by 1 of 1 trusted witnesses" "$work/verify.log" || fail "$(cat "$work/verify.log")"
if verify_witnessed --witness-key "$work/witness/w1.vkey" --witness-key "$work/witness/w2.vkey" \
  --witness-threshold 2; then fail "two witnesses asked for, one cosigned: verified"; fi
grep -q "1 of the 2 trusted witnesses cosigned" "$work/verify.log" || fail "$(cat "$work/verify.log")"
if verify_witnessed --witness-key "$work/witness/w2.vkey"; then
  fail "a witness that never cosigned: verified"
fi
if "$vitalsign" verify "$work/proof.json" --gateway-key "$work/keys/gateway.pub.pem" \
  --log-key "$work/keys/log.vkey" --witness-key "$work/witness/w1.vkey" >"$work/verify.log" 2>&1; then
  fail "a checkpoint the witness never saw: verified"
fi
echo "note_interop_test: Go's note package opened the checkpoint ($size1 entries), refused it" \
  "changed, and signed it to the same bytes with our key; the witness cosigned $size1 then $size2" \
  "entries, refused a stale size (409) and a split view (422); Go opened the cosigned checkpoints;" \
  "verify asked for the witness's cosignature"
