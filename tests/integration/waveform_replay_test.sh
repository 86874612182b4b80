#!/usr/bin/env bash
# A real ECG recording through the whole system, sample by sample:
#   tests/integration/waveform_replay_test.sh VITALSIGN GATEWAY AGENT
# The replay board plays boards/replay/mitdb-208-ecg.csv (20 s of MIT-BIH
# record 208) into a real agent; a real Mosquitto and gateway take its
# blocks and anchor them; `vitalsign fhir export` then writes the readings as
# FHIR SampledData, and every sample, the period and the factor must be the
# recording's (check_waveform_export.py).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vitalsign=$1 gateway=$2 agent=$3
source "$here/tests/support/test_rig.sh"
rig_begin waveform_replay_test
recording="$here/boards/replay/mitdb-208-ecg.csv"

start_broker
"$vitalsign" keygen --dir "$work/keys" --name gateway >/dev/null
device=$("$vitalsign" keygen --dir "$work/keys" --name device | grep -oE '[0-9a-f]{32}' | head -n 1)
"$vitalsign" enrol --store "$work/gateway-data" --key "$work/keys/device.pub.pem" --create >/dev/null
gateway_config "[metrics]
listen = \"\""
replay_agent_config "$recording" 8 200
"$gateway" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
started $!
"$agent" --config "$work/agent.toml" >"$work/agent.log" 2>&1 &
agent_pid=$!
started $agent_pid
# 20 readings, blocks of at most 8: heights 0, 1 and 2 receipted as anchored.
for _ in $(seq 1 300); do
  grep -q "receipt for block 2 verified (batch [1-9]" "$work/agent.log" && break
  sleep 0.1
done
grep -q "replay finished" "$work/agent.log" || fail "the replay did not finish"
grep -q "receipt for block 2 verified (batch [1-9]" "$work/agent.log" || fail "blocks 0 to 2 not anchored in 30 s"
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null || true

"$vitalsign" fhir export --store "$work/gateway-data" --device "$device" --by waveform_replay_test \
  --out "$work/bundle.json" >"$work/export.log" 2>&1 || fail "fhir export: $(cat "$work/export.log")"
/usr/bin/python3 "$here/tests/integration/check_waveform_export.py" "$recording" "$work/bundle.json" ||
  fail "the FHIR export does not carry the recording"
