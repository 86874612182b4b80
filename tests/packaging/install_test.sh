#!/usr/bin/env bash
# Installs the Debian packages built by scripts/build_packages.sh on this
# machine and uses them as a device maker would, then removes and purges them:
#   tests/packaging/install_test.sh build/package/amd64
# Needs root (or sudo) and leaves the machine as it found it (a failure purges
# what it installed); the vitalsign system user stays, as Debian's do.
#  1. apt installs vitalsign-agent, vitalsign-gateway and vitalsign-tools: the
#     user from sysusers.d, /var/lib/vitalsign{,-gateway} (0700) from
#     tmpfiles.d, the configs as conffiles, units that systemd-analyze verify
#     accepts, and nothing started;
#  2. as the service user: keys made, the device enrolled, both daemons run by
#     their units' ExecStart lines (in their WorkingDirectory) with the
#     packaged configs, only the broker, the gateway key and the metrics port
#     set; Mosquitto is this script's, on a free port;
#  3. the agent logs a verified receipt; after it stops, its chain verifies;
#     one reading's proof is exported from the gateway and verified up to the
#     gateway's signed checkpoint;
#  4. remove keeps conffiles and state; purge deletes both and leaves no file
#     of the packages behind.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
debs_dir=$(cd "${1:?usage: install_test.sh PACKAGE_DIR}" && pwd)
arch=$(dpkg --print-architecture)
packages=(vitalsign-agent vitalsign-gateway vitalsign-tools)
debs=()
for package in "${packages[@]}"; do debs+=("$(ls "$debs_dir/${package}"_*_"$arch".deb)"); done
as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
source "$here/tests/support/test_rig.sh"
rig_begin install_test
chmod 755 "$work"
rig_kill="${as_root[*]} kill"  # the daemons run as the service user

say() { echo "install_test: $*"; }
installed() { dpkg-query -W -f '${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
# A failure leaves nothing installed (of what this test installed).
we_installed=false
rig_cleanup_more() {
  $we_installed || return 0
  for package in "${packages[@]}"; do
    if dpkg-query -W "$package" >/dev/null 2>&1; then
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$package" >/dev/null 2>&1 || true
    fi
  done
}

for package in "${packages[@]}"; do
  if dpkg-query -W "$package" >/dev/null 2>&1; then
    fail "$package is already installed on this machine: this test installs and purges it"
  fi
done

# 1. Install.
we_installed=true
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${debs[@]}" >"$work/apt-install.log" 2>&1 || fail "apt-get install failed"
for package in "${packages[@]}"; do installed "$package" || fail "$package is not installed"; done
for program in vitalsign vitalsign-agent vitalsign-gateway vitalsign-sensor-emulator; do
  [ -x "/usr/bin/$program" ] || fail "/usr/bin/$program is missing"
done
getent passwd vitalsign >/dev/null || fail "no vitalsign user after install"
shell=$(getent passwd vitalsign | cut -d: -f7)
[ "$shell" = /usr/sbin/nologin ] || fail "the vitalsign user has a login shell ($shell)"
id -nG vitalsign | grep -qw dialout || fail "the vitalsign user is not in dialout (serial boards)"
for dir in /var/lib/vitalsign /var/lib/vitalsign-gateway; do
  [ "$(stat -c '%U:%G %a' "$dir")" = "vitalsign:vitalsign 700" ] ||
    fail "$dir is $(stat -c '%U:%G %a' "$dir"), not vitalsign:vitalsign 700"
done
for pair in vitalsign-agent:/etc/vitalsign/agent.toml vitalsign-gateway:/etc/vitalsign/gateway.toml; do
  dpkg-query -W -f '${Conffiles}\n' "${pair%%:*}" | grep -q "^ ${pair#*:} " ||
    fail "${pair#*:} is not a conffile of ${pair%%:*}"
done
for unit in vitalsign-agent vitalsign-gateway; do
  file=/lib/systemd/system/$unit.service
  [ -f "$file" ] || fail "$file is missing"
  systemd-analyze verify "$file" >"$work/verify-$unit.log" 2>&1 ||
    fail "systemd-analyze verify $file: $(cat "$work/verify-$unit.log")"
  if [ -e "/etc/systemd/system/multi-user.target.wants/$unit.service" ]; then
    fail "$unit is enabled by the install: an unconfigured daemon would start at boot"
  fi
done
say "installed: programs in /usr/bin, user vitalsign (nologin, dialout), state dirs 0700," \
  "conffiles under /etc/vitalsign, units verified by systemd-analyze and not enabled"

# 2. Configure and run as the service user.
as_vitalsign() { "${as_root[@]}" setpriv --reuid=vitalsign --regid=vitalsign --init-groups -- "$@"; }
start_broker
metrics_port=$(free_port)

gateway_keys=/var/lib/vitalsign-gateway/keys
as_vitalsign vitalsign keygen --dir "$gateway_keys" --name gateway >/dev/null ||
  fail "keygen of the gateway key as vitalsign"
as_vitalsign vitalsign keygen --dir /var/lib/vitalsign/keys >/dev/null || fail "keygen of the device key"
device=$(as_vitalsign vitalsign enrol --store /var/lib/vitalsign-gateway/data \
  --key /var/lib/vitalsign/keys/device.pub.pem --create | awk '{print $NF}') || fail "enrol"
# What an installer sets: the broker, the gateway's key on the device, a free
# metrics port (this machine may run something on the default).
"${as_root[@]}" sed -i \
  -e "s#^broker = \"\" #broker = \"tcp://127.0.0.1:$broker_port\" #" \
  -e "s#^public_key = \"\" #public_key = \"$gateway_keys/gateway.pub.pem\" #" /etc/vitalsign/agent.toml
"${as_root[@]}" sed -i \
  -e "s#^broker = \"tcp://127.0.0.1:1883\" #broker = \"tcp://127.0.0.1:$broker_port\" #" \
  -e "s#^listen = \"127.0.0.1:9464\" #listen = \"127.0.0.1:$metrics_port\" #" /etc/vitalsign/gateway.toml
grep -q "^broker = \"tcp://127.0.0.1:$broker_port\"" /etc/vitalsign/agent.toml ||
  fail "the packaged agent.toml no longer has the line 'broker = \"\"' this test sets"
grep -q "^listen = \"127.0.0.1:$metrics_port\"" /etc/vitalsign/gateway.toml ||
  fail "the packaged gateway.toml no longer has the metrics line this test sets"

# Each daemon exactly as its unit starts it: ExecStart, WorkingDirectory, User.
start_unit() {  # start_unit UNIT LOG
  local file=/lib/systemd/system/$1.service exec_start directory
  exec_start=$(sed -n 's/^ExecStart=//p' "$file")
  directory=$(sed -n 's/^WorkingDirectory=//p' "$file")
  (cd "$directory" && exec "${as_root[@]}" setpriv --reuid=vitalsign --regid=vitalsign \
    --init-groups -- $exec_start) >"$2" 2>&1 &
  started $!
}
start_unit vitalsign-gateway "$work/gateway.log"
start_unit vitalsign-agent "$work/agent.log"
agent_pid=${rig_pids[-1]}
for _ in $(seq 1 120); do
  grep -q "receipt for block .* verified" "$work/agent.log" && break
  kill -0 "$agent_pid" 2>/dev/null || fail "the installed agent stopped"
  sleep 1
done
grep -q "receipt for block .* verified" "$work/agent.log" || fail "no verified receipt within 120 s"
say "running as vitalsign with the packaged configs: $(grep -m1 'receipt for block' "$work/agent.log" |
  sed 's/^.*receipt/receipt/')"

# 3. Stop the agent; its chain verifies; a reading's proof verifies.
"${as_root[@]}" kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the agent did not stop cleanly on SIGTERM"
as_vitalsign vitalsign chain verify --store /var/lib/vitalsign/data >"$work/chain.log" 2>&1 ||
  fail "the installed agent's chain does not verify"
checkpoint=/var/lib/vitalsign-gateway/checkpoint.txt
as_vitalsign test -s "$checkpoint" || fail "the packaged gateway config wrote no checkpoint at $checkpoint"
as_vitalsign vitalsign proof export --store /var/lib/vitalsign-gateway/data --device "$device" \
  --seq 1 --gateway-key "$gateway_keys/gateway.pub.pem" --checkpoint "$checkpoint" \
  --log-key "$gateway_keys/log.vkey" \
  --out /var/lib/vitalsign-gateway/proof.json >"$work/proof.log" 2>&1 || fail "proof export"
as_vitalsign vitalsign verify /var/lib/vitalsign-gateway/proof.json \
  --gateway-key "$gateway_keys/gateway.pub.pem" --log-key "$gateway_keys/log.vkey" \
  >"$work/verify.log" 2>&1 || fail "proof verify"
gateway_pid=${rig_pids[-2]}
"${as_root[@]}" kill -TERM "$gateway_pid"
wait "$gateway_pid" || fail "the gateway did not stop cleanly on SIGTERM"
say "stopped cleanly; the device's chain verifies; reading 1 of $device proven up to the checkpoint"

# 4. Remove keeps the conffiles and the state; purge takes both.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "${packages[@]}" \
  >"$work/apt-remove.log" 2>&1 || fail "apt-get remove failed"
[ ! -e /usr/bin/vitalsign-agent ] || fail "remove left /usr/bin/vitalsign-agent"
[ -f /etc/vitalsign/agent.toml ] || fail "remove deleted the conffile /etc/vitalsign/agent.toml"
"${as_root[@]}" test -d /var/lib/vitalsign/data || fail "remove deleted the device's store"
"${as_root[@]}" test -f /var/lib/vitalsign-gateway/keys/gateway.key.pem || fail "remove deleted the gateway key"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${packages[@]}" \
  >"$work/apt-purge.log" 2>&1 || fail "apt-get purge failed"
for path in /etc/vitalsign /var/lib/vitalsign /var/lib/vitalsign-gateway \
  /lib/systemd/system/vitalsign-agent.service /usr/lib/sysusers.d/vitalsign-agent.conf \
  /usr/lib/tmpfiles.d/vitalsign-agent.conf; do
  [ ! -e "$path" ] || fail "purge left $path"
done
for package in "${packages[@]}"; do
  ! dpkg-query -W "$package" >/dev/null 2>&1 || fail "$package is still known to dpkg after purge"
done
say "remove kept the conffiles, the store and the keys; purge deleted them and every packaged file"
say "passed"
