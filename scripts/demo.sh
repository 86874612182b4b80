#!/usr/bin/env bash
# Sets up this machine, builds vitalsign and runs the main job.
# Today that is `vitalsign selfcheck`: a device key signs readings and seals
# hash-linked blocks, the gateway's verifier follows the chain, a batch root
# and signed receipts come back and are checked, one reading is proven to
# the batch root, and tampering is caught. (The broker + gateway + agent
# demo replaces it once the agent and gateway land.)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

"$here/scripts/setup.sh"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target vitalsign
exec build/release/tools/vitalsign selfcheck
