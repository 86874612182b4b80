#!/usr/bin/env bash
# Sets up this machine, builds vitalsign and runs the main job on 127.0.0.1:
# a Mosquitto broker, vitalsign-gateway on the embedded ledger, and
# vitalsign-agent on the simulated board (a tachycardia episode). Readings are
# signed and committed, sealed into blocks, published, verified and anchored
# by the gateway; the device verifies its receipts. Afterwards the device's
# chain is verified offline, and the proof of one reading is exported and
# verified link by link up to the gateway's signed ledger checkpoint.
#
#   --evm            anchor on an Ethereum chain instead: a local anvil node,
#                    the proof confirmed on the chain itself
#   VS_DEMO_SECONDS  how long the agent runs (default 15)
#   VS_DEMO_DIR      where keys, stores and logs go (default build/demo; wiped first)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
seconds=${VS_DEMO_SECONDS:-15}
work=${VS_DEMO_DIR:-$here/build/demo}
evm=false
for arg in "$@"; do
  case "$arg" in
    --evm) evm=true ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "demo.sh: unexpected argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

"$here/scripts/setup.sh"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target vitalsign vitalsign-agent vitalsign-gateway
bin=$here/build/release/tools

rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() {
  # The daemons by their configs (their pipes' pids are tee and sed), then the rest.
  pkill -TERM -f "vitalsign-agent --config $work/" 2>/dev/null || true
  pkill -TERM -f "vitalsign-gateway --config $work/" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local port
  for port in $(seq "$1" $(($1 + 200))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port near $1" >&2
  exit 1
}
broker_port=$(free_port 18830)
metrics_port=$(free_port 19464)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "broker: mosquitto on 127.0.0.1:$broker_port with the shipped config (gateway/broker/): mutual TLS, client id = certificate CN, ACL"
# A throwaway CA for the demo. The broker's certificate names 127.0.0.1; the
# device's certificate is issued on its own CSR (CN = its device id); the
# gateway's CN is the identity the shipped ACL names.
pki=$work/pki
mkdir -p "$pki"
issue() {  # issue NAME CSR EXTENSIONS
  printf '%s\n' "$3" >"$pki/$1.ext"
  openssl x509 -req -in "$2" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 30 \
    -sha256 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
}
new_key_and_csr() {  # new_key_and_csr NAME SUBJECT
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$1.key" 2>/dev/null
  chmod 600 "$pki/$1.key"
  openssl req -new -key "$pki/$1.key" -subj "$2" -out "$pki/$1.csr" 2>/dev/null
}
openssl ecparam -name prime256v1 -genkey -noout -out "$pki/ca.key" 2>/dev/null
openssl req -x509 -new -key "$pki/ca.key" -sha256 -days 30 -subj "/CN=vitalsign demo CA" \
  -out "$pki/ca.crt" 2>/dev/null
new_key_and_csr server "/CN=127.0.0.1"
issue server "$pki/server.csr" "subjectAltName=IP:127.0.0.1"
new_key_and_csr gateway "/CN=vitalsign-gateway"
issue gateway "$pki/gateway.csr" "extendedKeyUsage=clientAuth"
sed -e "s#^listener 8883#listener $broker_port 127.0.0.1#" -e "s#/etc/vitalsign/broker/#$pki/#" \
  "$here/gateway/broker/mosquitto.conf" >"$work/mosquitto.conf"
printf 'persistence false\nuser %s\n' "$(id -un)" >>"$work/mosquitto.conf"
cp "$here/gateway/broker/acl" "$pki/acl"
broker_uri="ssl://127.0.0.1:$broker_port"

ledger_table="[ledger]
origin = \"demo.vitalsign/gateway\"
checkpoint_file = \"$work/checkpoint.txt\""
# The log's Ed25519 note key is made at the gateway's first start; its vkey
# (keys/log.vkey) is what an auditor checks checkpoints with.
verify_ledger=(--log-key "$work/keys/log.vkey")
export_checkpoint=(--checkpoint "$work/checkpoint.txt" --log-key "$work/keys/log.vkey")
if $evm; then
  anvil_port=$(free_port 18545)
  say "ledger: anvil (Ethereum development node) on 127.0.0.1:$anvil_port"
  "$here/.tools/node_modules/.bin/anvil" --host 127.0.0.1 --port "$anvil_port" --silent \
    >"$work/anvil.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$anvil_port") 2>/dev/null && break; sleep 0.05; done
  # anvil's first development account, which the node signs for.
  ledger_table="[ledger]
kind = \"evm\"
[ledger.evm]
url = \"http://127.0.0.1:$anvil_port\"
from = \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"
confirmations = 1"
  verify_ledger=(--ledger "http://127.0.0.1:$anvil_port")
  export_checkpoint=()
fi

say "keys: a device key and a gateway key (P-256, mode 0600); the device is enrolled"
"$bin/vitalsign" keygen --dir "$work/keys" --name gateway >/dev/null
"$bin/vitalsign" keygen --dir "$work/keys" --name device
"$bin/vitalsign" enrol --store "$work/gateway-data" --key "$work/keys/device.pub.pem" --create
"$bin/vitalsign" csr --dir "$work/keys" --name device --out "$pki/device.csr"
issue device "$pki/device.csr" "extendedKeyUsage=clientAuth"
/usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null && break; sleep 0.05; done
tls_keys() {  # tls_keys CERT KEY
  printf 'ca_file = "%s"\ncert_file = "%s"\nkey_file = "%s"\n' "$pki/ca.crt" "$1" "$2"
}

cat >"$work/gateway.toml" <<CONF
[store]
data_dir = "$work/gateway-data"
[keys]
dir = "$work/keys"
[mqtt]
broker = "$broker_uri"
$(tls_keys "$pki/gateway.crt" "$pki/gateway.key")
[batch]
max_blocks = 256
max_age_ms = 2000
$ledger_table
[metrics]
listen = "127.0.0.1:$metrics_port"
CONF
cat >"$work/agent.toml" <<CONF
board = "sim"
[store]
data_dir = "$work/agent-data"
[seal]
max_entries = 32
max_age_ms = 1000
[mqtt]
broker = "$broker_uri"
$(tls_keys "$pki/device.crt" "$work/keys/device.key.pem")
[gateway]
public_key = "$work/keys/gateway.pub.pem"
[events]
inbox_dir = "$work/inbox"
[sim]
scenario = "$here/boards/sim/scenarios/tachycardia.toml"
speed = 4
waveform = "none"
key_dir = "$work/keys"
CONF

say "on the device: the subject's pseudonym and a consent for clinic-a, through the agent's inbox"
"$bin/vitalsign" consent subject subject-demo-01 --inbox "$work/inbox"
"$bin/vitalsign" consent grant clinic-a --inbox "$work/inbox"

say "gateway and agent running for $seconds s (logs: $work/*.log)"
"$bin/vitalsign-gateway" --config "$work/gateway.toml" 2>&1 | tee "$work/gateway.log" |
  sed -u 's/^/  [gateway] /' &
gateway_pipe=$!
pids+=($!)
sleep 0.3
"$bin/vitalsign-agent" --config "$work/agent.toml" 2>&1 | tee "$work/agent.log" |
  sed -u 's/^/  [agent]   /' &
agent_pipe=$!
pids+=($!)
sleep "$seconds"
pkill -TERM -f "vitalsign-agent --config $work/agent.toml" || true
sleep 1.5
say "gateway metrics (Prometheus text, excerpt)"
if command -v curl >/dev/null; then
  curl -s "http://127.0.0.1:$metrics_port/metrics" | grep -E '^vitalsign_(blocks_accepted|batch_size|receipts_published|devices_seen)' || true
  say "the gateway's status page for people, http://127.0.0.1:$metrics_port/ (its numbers, as text)"
  curl -s "http://127.0.0.1:$metrics_port/" | grep -oE 'id="[a-z-]+">[0-9]+<' |
    sed -E 's/id="(count-)?([a-z-]+)">([0-9]+)</  \2: \3/' || true
fi
pkill -TERM -f "vitalsign-gateway --config $work/gateway.toml" || true
wait "$gateway_pipe" "$agent_pipe" 2>/dev/null || true

say "offline: the device's chain, verified block by block"
"$bin/vitalsign" chain verify --store "$work/agent-data"
"$bin/vitalsign" chain show --store "$work/agent-data"
say "the gateway, as its operator sees it"
"$bin/vitalsign" status --store "$work/gateway-data"
if ! $evm; then
  say "the gateway's ledger checkpoint ($work/checkpoint.txt), a C2SP signed note by the log key $(cat "$work/keys/log.vkey")"
  cat "$work/checkpoint.txt"
fi

device=$("$bin/vitalsign" devices --store "$work/gateway-data" --json | sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
say "an auditor's proof of one reading (seq 5), exported and verified$($evm && echo ', then on the chain' || echo ' offline')"
"$bin/vitalsign" proof export --store "$work/gateway-data" --device "$device" --seq 5 \
  --gateway-key "$work/keys/gateway.pub.pem" "${export_checkpoint[@]}" \
  --out "$work/proof-seq5.json"
"$bin/vitalsign" verify "$work/proof-seq5.json" --gateway-key "$work/keys/gateway.pub.pem" \
  "${verify_ledger[@]}"
say "the same reading as an HL7 FHIR R4 Observation, for clinic-a (which holds consent)"
"$bin/vitalsign" fhir export --store "$work/gateway-data" --device "$device" --seq 5 \
  --recipient clinic-a --out "$work/fhir-seq5.json"
if command -v node >/dev/null; then
  node -e 'const bundle = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const entry of bundle.entry)
      if (entry.resource.resourceType === "Observation")
        console.log(JSON.stringify(entry.resource, null, 2));' "$work/fhir-seq5.json"
else
  cat "$work/fhir-seq5.json"
fi
say "the gateway's access log: every export, anchored with the gateway's next batch"
"$bin/vitalsign" access list --store "$work/gateway-data"
say "done (proof: $work/proof-seq5.json, FHIR bundle: $work/fhir-seq5.json)"
