#!/usr/bin/python3
"""Writes a CycloneDX 1.6 JSON SBOM for one built Debian package of vitalsign.

Called by debian/rules after dh_shlibdeps, once per binary package. Every
program the package installs is read:
  - shared libraries: its ELF NEEDED entries, each resolved to the file and
    the Debian package holding it (dpkg -S);
  - compiled in: the objects ninja built the program from (ninja -t inputs),
    and the system headers and static libraries those objects used (ninja -t
    deps), each mapped to its Debian package. A header package whose source
    package already ships one of the shared libraries is that library's and
    not listed again, nor are kernel headers or a cross toolchain's copies of
    the C and C++ runtime headers.
Versions come from dpkg-query, licences from each package's DEP-5 copyright
file (the "Files: *" paragraph; for the C and C++ runtimes, whose copyright
files are free text, as read by hand); a licence that is not an SPDX id we
know is given by name, never guessed. Nothing here depends on the network.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import uuid

# Debian's short licence names that differ from SPDX ids (DEP-5 uses its own).
DEBIAN_TO_SPDX = {
    "apache-2.0": "Apache-2.0",
    "expat": "MIT",
    "mit": "MIT",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "isc": "ISC",
    "zlib": "Zlib",
    "curl": "curl",
    "openssl": "OpenSSL",
    "epl-2.0": "EPL-2.0",
    "epl-1.0": "EPL-1.0",
    "boost": "BSL-1.0",
    "boost-1.0": "BSL-1.0",
    "openldap-2.8": "OLDAP-2.8",
    "postgresql": "PostgreSQL",
    "bsl-1.0": "BSL-1.0",
    "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-2+": "LGPL-2.0-or-later",
    "lgpl-3+": "LGPL-3.0-or-later",
    "gpl-2+": "GPL-2.0-or-later",
    "gpl-2": "GPL-2.0-only",
    "gpl-3+": "GPL-3.0-or-later",
    "public-domain": None,  # not an SPDX licence: kept as a name
}


def run(args, check=True):
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"sbom: {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def is_elf(path):
    with open(path, "rb") as file:
        return file.read(4) == b"\x7fELF"


def needed_libraries(path):
    out = run(["readelf", "-d", path])
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def owners(paths, arch):
    """Maps each path to the Debian package (name:arch or name) that holds it;
    of a multiarch file held by one package per architecture, the host's."""
    found = {}
    if not paths:
        return found
    # dpkg -S exits 1 when any path is unowned: read what it found.
    out = run(["dpkg-query", "-S", *sorted(paths)], check=False)
    for line in out.splitlines():
        if ": " not in line or line.startswith("diversion "):
            continue
        packages, path = line.split(": ", 1)
        packages = packages.split(", ")
        hosts = [p for p in packages if p.endswith(f":{arch}")]
        found[path] = (hosts or packages)[0]
    return found


def resolve_soname(soname, multiarch, arch):
    candidates = [f"{base}/{multiarch}/{soname}" for base in ("/lib", "/usr/lib")]
    found = owners([c for c in candidates if os.path.exists(c)], arch)
    for candidate in candidates:
        if candidate in found:
            return found[candidate]
    sys.exit(f"sbom: no Debian package holds {soname} (looked in {', '.join(candidates)})")


def compiled_in_paths(build_dir, program):
    """System headers and static libraries that went into one program."""
    inputs = run(["ninja", "-C", build_dir, "-t", "inputs", program]).split()
    objects = [i for i in inputs if i.endswith(".o")]
    paths = {i for i in inputs if i.startswith("/usr/") and i.endswith(".a")}
    if objects:
        deps = run(["ninja", "-C", build_dir, "-t", "deps", *objects])
        for line in deps.splitlines():
            line = line.strip()
            if line.startswith("/usr/"):
                paths.add(os.path.normpath(line))
    return paths


def package_fields(package):
    out = run(["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${Architecture}\t${source:Package}",
               package])
    name, version, arch, source = out.split("\t")
    return {"name": name, "version": version, "arch": arch, "source": source}


# Packages whose copyright file is not DEP-5, read by hand (the licence of the
# library itself, as its copyright file states it).
READ_BY_HAND = {
    "libc6": "LGPL-2.1-or-later",
    "libstdc++6": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libgcc-s1": "GPL-3.0-or-later WITH GCC-exception-3.1",
}


def licence_of(name):
    path = f"/usr/share/doc/{name}/copyright"
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except OSError:
        return [{"license": {"name": f"unknown: {path} is missing"}}]
    if not text.startswith("Format:"):
        if name in READ_BY_HAND:
            return [{"expression": READ_BY_HAND[name]}]
        return [{"license": {"name": f"not machine-readable: see {path}"}}]
    per_files = []  # (the Files patterns, the licence) of each paragraph
    for paragraph in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:\s*(.*(?:\n[ \t].*)*)", paragraph, re.M)
        licence = re.search(r"^License:[ \t]*(.+)$", paragraph, re.M)
        if files and licence:
            per_files.append((files.group(1).split(), licence.group(1).strip()))
    for patterns, licence in per_files:
        if "*" in patterns:
            return spdx_or_name(licence)
    # No "Files: *": the licence of the library's sources (src/), or the one
    # licence every listed file has.
    licences = sorted({licence for _, licence in per_files})
    sources = sorted({licence for patterns, licence in per_files
                      if any(p.startswith("src/") for p in patterns)})
    for candidates in (sources, licences):
        if len(candidates) == 1:
            return spdx_or_name(candidates[0])
    return [{"license": {"name": f"several licences ({'; '.join(licences)}): see {path}"}}]


def spdx_or_name(debian):
    parts = re.split(r"\s+(or|and)\s+", debian, flags=re.I)
    ids = []
    for index, part in enumerate(parts):
        if index % 2:
            ids.append(part.upper())
            continue
        spdx = DEBIAN_TO_SPDX.get(part.lower())
        if spdx is None:
            return [{"license": {"name": debian}}]
        ids.append(spdx)
    if len(ids) == 1:
        return [{"license": {"id": ids[0]}}]
    return [{"expression": " ".join(ids)}]


def purl(fields, arch):
    return f"pkg:deb/debian/{fields['name']}@{fields['version']}?arch={arch}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--multiarch", required=True)
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--root", required=True, help="the package's staging directory")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    programs = []
    for directory in ("usr/bin", "usr/sbin"):
        full = os.path.join(args.root, directory)
        if os.path.isdir(full):
            programs += [os.path.join(full, f) for f in sorted(os.listdir(full))
                         if is_elf(os.path.join(full, f))]
    if not programs:
        sys.exit(f"sbom: {args.root} installs no program")

    linkage = {}  # package -> set of how it is linked
    shared_sources = set()
    for program in programs:
        name = os.path.basename(program)
        for soname in needed_libraries(program):
            package = resolve_soname(soname, args.multiarch, args.arch)
            linkage.setdefault(package, set()).add(f"shared: {soname}")
            shared_sources.add(package_fields(package)["source"])
        headers = compiled_in_paths(args.build_dir, f"tools/{name}")
        held = owners(headers, args.arch)
        unowned = sorted(set(headers) - set(held))
        if unowned:
            sys.exit(f"sbom: {name} was built from files no Debian package holds: {unowned[:5]}")
        counts = {}
        for path, package in held.items():
            kind = "static library" if path.endswith(".a") else "header"
            counts.setdefault(package, {}).setdefault(kind, 0)
            counts[package][kind] += 1
        for package, kinds in counts.items():
            for kind, count in kinds.items():
                plural = {"static library": "static libraries", "header": "headers"}[kind]
                linkage.setdefault(package, set()).add(
                    f"compiled in: {count} {kind if count == 1 else plural}")

    components = []
    for package in sorted(linkage):
        fields = package_fields(package)
        shared = any(how.startswith("shared") for how in linkage[package])
        # Not listed: the headers of a library listed as shared; kernel headers;
        # a cross toolchain's copies of the C and C++ runtimes' headers (the
        # runtimes themselves are listed as shared).
        if not shared and (fields["source"] in shared_sources or fields["source"] == "linux" or
                           fields["name"].endswith("-cross")):
            continue
        arch = fields["arch"]
        components.append({
            "type": "library",
            "bom-ref": purl(fields, arch),
            "name": fields["name"],
            "version": fields["version"],
            "purl": purl(fields, arch),
            "licenses": licence_of(fields["name"]),
            "properties": [{"name": "vitalsign:linkage", "value": how}
                           for how in sorted(linkage[package])] +
                          [{"name": "vitalsign:source-package", "value": fields["source"]}],
        })

    this = {"name": args.package, "version": args.version, "arch": args.arch}
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    bom = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        # Reproducible: the same package, version and architecture, the same id.
        "serialNumber": "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, purl(this, args.arch))),
        "version": 1,
        "metadata": {
            "timestamp": datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
                         .strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "vitalsign scripts/sbom.py"}]},
            "component": {
                "type": "application",
                "bom-ref": purl(this, args.arch),
                "name": args.package,
                "version": args.version,
                "purl": purl(this, args.arch),
                "licenses": [{"license": {"id": "Apache-2.0"}}],
                "properties": [{"name": "vitalsign:program", "value": os.path.basename(p)}
                               for p in programs],
            },
        },
        "components": components,
        "dependencies": [
            {"ref": purl(this, args.arch), "dependsOn": [c["bom-ref"] for c in components]},
        ] + [{"ref": c["bom-ref"]} for c in components],
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(bom, file, indent=2, sort_keys=False)
        file.write("\n")
    print(f"sbom: {args.out}: {len(components)} libraries")


if __name__ == "__main__":
    main()
