# Sourced by the test scripts that run real daemons (bash): a work directory
# removed at exit with every process started through `started`, a failure
# that prints the logs, free loopback ports and a throwaway Mosquitto.
#   rig_begin NAME        work=$(mktemp -d /tmp/NAME.XXXXXX), cleanup at exit
#   started PID           stop PID (SIGTERM) at exit
#   fail MESSAGE...       "NAME: FAILED: MESSAGE", the tail of each $work/*.log, exit 1
#   free_port             a free TCP port on 127.0.0.1
#   start_broker          Mosquitto on 127.0.0.1:$broker_port (anonymous, no persistence)
#   gateway_config [TOML] $work/gateway.toml: store and keys in $work, that broker,
#                         batches of 200 ms, then TOML
#   replay_agent_config CSV MAX_ENTRIES SEAL_MS
#                         $work/agent.toml: the replay board playing CSV as fast
#                         as it can, key "device" from $work/keys, store
#                         $work/agent-data, that broker and the gateway's key
#   start_one_device VITALSIGN GATEWAY AGENT SEAL_MS [TOML]
#                         keys "gateway" and "device", the device enrolled, the
#                         gateway (gateway_config TOML) and a sim agent
#                         (sim_agent_config) started, logs gateway.log, agent.log
#   sim_agent_config FILE NAME SEAL_MS
#                         a sim-board agent at 10x speed with key NAME from
#                         $work/keys, store $work/NAME-data, that broker and the
#                         gateway's key, sealing every SEAL_MS

rig_begin() {
  rig_name=$1
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  rig_pids=()
  trap rig_cleanup EXIT
}

started() { rig_pids+=("$1"); }

rig_cleanup() {
  local pid
  for pid in "${rig_pids[@]}"; do ${rig_kill:-kill} "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if declare -F rig_cleanup_more >/dev/null; then rig_cleanup_more; fi
  rm -rf "$work"
}

fail() {
  local log
  echo "$rig_name: FAILED: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && echo "== $log" >&2 && tail -n 20 "$log" >&2; done
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_broker() {
  broker_port=$(free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$broker_port" \
    >"$work/mosquitto.conf"
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  started $!
}

gateway_config() {
  cat >"$work/gateway.toml" <<TOML
[store]
data_dir = "$work/gateway-data"
[keys]
dir = "$work/keys"
[mqtt]
broker = "tcp://127.0.0.1:$broker_port"
[batch]
max_age_ms = 200
${1:-}
TOML
}

sim_agent_config() {
  cat >"$1" <<TOML
board = "sim"
[keys]
name = "$2"
[store]
data_dir = "$work/$2-data"
[seal]
max_age_ms = $3
[mqtt]
broker = "tcp://127.0.0.1:$broker_port"
[gateway]
public_key = "$work/keys/gateway.pub.pem"
[sim]
speed = 10.0
key_dir = "$work/keys"
TOML
}

replay_agent_config() {
  cat >"$work/agent.toml" <<TOML
board = "replay"
[store]
data_dir = "$work/agent-data"
[seal]
max_entries = $2
max_age_ms = $3
[mqtt]
broker = "tcp://127.0.0.1:$broker_port"
[gateway]
public_key = "$work/keys/gateway.pub.pem"
[replay]
file = "$1"
speed = 0
key_dir = "$work/keys"
TOML
}

# Keys for the gateway and one device (enrolled), then gateway.toml.
one_device_keys() {  # VITALSIGN [GATEWAY_CONFIG_EXTRA]
  "$1" keygen --dir "$work/keys" --name gateway >/dev/null
  "$1" keygen --dir "$work/keys" --name device >/dev/null
  "$1" enrol --store "$work/gateway-data" --key "$work/keys/device.pub.pem" --create >/dev/null
  gateway_config "${2:-}"
}

# Waits until a line matching PATTERN is in FILE, or fails.
wait_for() {  # PATTERN FILE SECONDS
  for _ in $(seq 1 $(($3 * 10))); do
    grep -q "$1" "$2" && return 0
    sleep 0.1
  done
  fail "no '$1' in $2 within $3 s"
}

start_one_device() {
  one_device_keys "$1" "${5:-}"
  sim_agent_config "$work/agent.toml" device "$4"
  "$2" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
  started $!
  "$3" --config "$work/agent.toml" >"$work/agent.log" 2>&1 &
  started $!
}
