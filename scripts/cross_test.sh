#!/usr/bin/env bash
# Builds vitalsign for an ARM board with Debian's cross compilers and
# multiarch libraries (cmake/toolchains/), and runs it under qemu-user:
#   scripts/cross_test.sh arm64|armhf
# Both: every unit test (ctest runs them through the emulator).
# arm64: the Debian packages (scripts/build_packages.sh), then, with the
# packaged agent and the native build in build/gcc as the harness, the agent
# crash test (kill -9 at random instants; $VS_CROSS_CRASH_TRIALS, default 10;
# its row goes into build/gcc's suite report, marked "arm64 agent (package)
# under qemu"), and scripts/cross_end_to_end.sh: the arm64 agent against the
# native Mosquitto and gateway, every block anchored and its receipt verified
# on the device.
# Timings under qemu mean nothing; counts, sizes and correctness do.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

case "${1:-}" in
  arm64) triple=aarch64-linux-gnu qemu=qemu-aarch64 ;;
  armhf) triple=arm-linux-gnueabihf qemu=qemu-arm ;;
  *)
    echo "usage: scripts/cross_test.sh arm64|armhf" >&2
    exit 2
    ;;
esac
arch=$1
build=build/$arch
jobs=$(nproc)

echo "== $arch: cross build ($triple-g++, -Werror), tests under $qemu"
# No debug information: nothing is debugged here, and the build is shorter.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVS_WERROR=ON \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" \
  "-DCMAKE_TOOLCHAIN_FILE=$here/cmake/toolchains/$triple.cmake" -DVS_POSTGRES=OFF >/dev/null
# vitalsign: its selfcheck is a unit test too. armhf: the agent, for its size.
unit_tests=(platform_unit_tests proto_unit_tests chain_unit_tests agent_unit_tests board_unit_tests
  gateway_unit_tests tools_unit_tests vitalsign)
[ "$arch" = arm64 ] || unit_tests+=(vitalsign-agent)
cmake --build "$build" -j "$jobs" --target "${unit_tests[@]}"
ctest --test-dir "$build" -L unit --output-on-failure -j "$jobs"

if [ "$arch" != arm64 ]; then
  "$triple-strip" -o "$build/vitalsign-agent.stripped" "$build/tools/vitalsign-agent"
  echo "$arch: vitalsign-agent stripped: $(stat -c %s "$build/vitalsign-agent.stripped") bytes"
else
  if [ ! -x build/gcc/tests/agent_crash_test ]; then
    echo "cross_test: build/gcc (the native harness) is not built: run scripts/test.sh" >&2
    exit 1
  fi
  # The agent a device installs: from the arm64 package (stripped by dh_strip).
  "$here/scripts/build_packages.sh" arm64
  rm -rf "$build/installed"
  dpkg-deb -x "$(ls build/package/arm64/vitalsign-agent_*_arm64.deb)" "$build/installed"
  agent=$here/$build/installed/usr/bin/vitalsign-agent
  echo "$arch: vitalsign-agent stripped: $(stat -c %s "$agent") bytes"
  # posix_spawn takes a path: the emulator's, then the packaged agent.
  export VS_TEST_AGENT="$(command -v "$qemu") -L / $agent"
  export VS_TEST_AGENT_LABEL="arm64 agent (package) under qemu"
  VS_CRASH_TRIALS=${VS_CROSS_CRASH_TRIALS:-10} build/gcc/tests/agent_crash_test
  "$here/scripts/cross_end_to_end.sh" "$agent" "$qemu"
fi
echo "cross_test: $arch passed"
