#!/usr/bin/env bash
# Builds the Debian packages (debian/) for this machine's architecture or,
# cross, for arm64 or armhf, and checks what was built:
#   scripts/build_packages.sh [amd64|arm64|armhf]     (default: this machine's)
# Into build/package/<arch>/: vitalsign-agent, vitalsign-gateway and
# vitalsign-tools (.deb, with -dbgsym), built by dpkg-buildpackage from a copy
# of the tracked sources; then lintian (a warning or error fails; what remains
# is justified in debian/*.lintian-overrides) and the SBOM of each package
# (tests/packaging/check_sbom.py). tests/packaging/install_test.sh installs
# and runs the result.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build_arch=$(dpkg --print-architecture)
arch=${1:-$build_arch}
out=$here/build/package/$arch
rm -rf "$out"
mkdir -p "$out/src"
# The sources as git sees them (tracked and new, not ignored): no build trees.
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$out/src"

echo "== Debian packages for $arch"
cross=()
if [ "$arch" != "$build_arch" ]; then cross=(--host-arch "$arch" --build-profiles=cross,nocheck); fi
(cd "$out/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
  dpkg-buildpackage -us -uc -b "${cross[@]}" >"$out/build.log" 2>&1) || {
  tail -n 40 "$out/build.log" >&2
  echo "build_packages: dpkg-buildpackage failed for $arch (whole log: $out/build.log)" >&2
  exit 1
}
changes=$(ls "$out"/vitalsign_*_"$arch".changes)
lintian --fail-on error,warning --display-info "$changes"
debs=("$out"/vitalsign-{agent,gateway,tools}_*_"$arch".deb)
/usr/bin/python3 "$here/tests/packaging/check_sbom.py" \
  "$here/.tools/node_modules/@cyclonedx/cyclonedx-library/res/schema" "${debs[@]}"
for deb in "${debs[@]}"; do
  echo "build_packages: $(basename "$deb"): $(stat -c %s "$deb") bytes," \
    "installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
done
