#!/usr/bin/env bash
# The gateway's status page in a real browser (Debian's headless Chromium):
#   tests/monitoring/status_page_test.sh VITALSIGN GATEWAY AGENT OUT_DIR
# A real Mosquitto and gateway on 127.0.0.1 with three enrolled devices: two
# sim-board agents run until their receipts verify, then one is revoked and
# both stop; the third never runs (silent). Once the gateway has anchored all
# it holds, Chromium loads the fleet page and one device's page, and every
# number on them is checked against `vitalsign status --json` of the same
# store (check_status_page.py). The fleet page's screenshot is saved as
# OUT_DIR/status-page.png.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vitalsign=$1 gateway=$2 agent=$3
mkdir -p "$4"
out_dir=$(cd "$4" && pwd)
source "$here/tests/support/test_rig.sh"
rig_begin status_page_test

# As root Chromium needs --no-sandbox; it only ever loads our loopback page.
browse() {
  chromium --headless --no-sandbox --disable-gpu --user-data-dir="$work/chromium" \
    --window-size=1280,1000 "$@" 2>>"$work/chromium.log"
}

start_broker
metrics_port=$(free_port)
"$vitalsign" keygen --dir "$work/keys" --name gateway >/dev/null
declare -A device_id
for name in running revoked silent; do
  device_id[$name]=$("$vitalsign" keygen --dir "$work/keys" --name "$name" | grep -oE '[0-9a-f]{32}' | head -n 1)
  "$vitalsign" enrol --store "$work/gateway-data" --key "$work/keys/$name.pub.pem" --create >/dev/null
done
gateway_config "[metrics]
listen = \"127.0.0.1:$metrics_port\""
"$gateway" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
started $!
agent_pids=()
for name in running revoked; do
  sim_agent_config "$work/$name.toml" "$name" 300
  "$agent" --config "$work/$name.toml" >"$work/$name-agent.log" 2>&1 &
  started $!
  agent_pids+=($!)
done
for name in running revoked; do
  for _ in $(seq 1 300); do
    [ "$(grep -c "receipt for block .* verified" "$work/$name-agent.log")" -ge 3 ] && break
    sleep 0.1
  done
  [ "$(grep -c "receipt for block .* verified" "$work/$name-agent.log")" -ge 3 ] ||
    fail "agent $name: three verified receipts not seen within 30 s"
done
"$vitalsign" revoke --store "$work/gateway-data" --device "${device_id[revoked]}" >/dev/null
kill "${agent_pids[@]}"
wait "${agent_pids[@]}" 2>/dev/null || true

# At rest: every block the gateway holds is anchored, and stays so.
status() { "$vitalsign" status --store "$work/gateway-data" --json; }
for _ in $(seq 1 100); do
  status >"$work/status.json"
  /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["queued_blocks"] != 0)' \
    "$work/status.json" && break
  sleep 0.2
done
sleep 0.5
status >"$work/status.json"

url="http://127.0.0.1:$metrics_port"
browse --dump-dom "$url/" >"$work/fleet.html" || fail "chromium could not load $url/"
browse --dump-dom "$url/device?id=${device_id[running]}" >"$work/device.html" ||
  fail "chromium could not load the device page"
/usr/bin/python3 "$here/tests/monitoring/check_status_page.py" "$work/status.json" \
  "$work/fleet.html" "$work/device.html" "${device_id[running]}" ||
  fail "the status pages do not match the store"
grep -q '<script' "$work/fleet.html" "$work/device.html" && fail "a page carries a script"
grep -qE '(src|href)="https?://' "$work/fleet.html" "$work/device.html" &&
  fail "a page loads an outside asset"

# Bad input gets a clear answer, not a page.
code() { curl -sS -o "$work/answer.txt" -w '%{http_code}' "$url$1"; }
[ "$(code '/device?id=zz')" = 400 ] || fail "a malformed device id did not answer 400"
[ "$(code "/device?id=$(printf '0%.0s' $(seq 1 32))")" = 404 ] ||
  fail "a device not enrolled did not answer 404: $(cat "$work/answer.txt")"

rm -f "$out_dir/status-page.png"
browse --screenshot="$out_dir/status-page.png" "$url/" ||
  fail "chromium could not take the screenshot"
[ "$(head -c 8 "$out_dir/status-page.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "the screenshot is not a PNG"
echo "status_page_test: fleet and device pages match the store in Chromium;" \
  "screenshot $out_dir/status-page.png ($(stat -c %s "$out_dir/status-page.png") bytes)"
