#!/usr/bin/python3
"""Checks the CycloneDX SBOM inside each built vitalsign package.

  tests/packaging/check_sbom.py SCHEMA_DIR PACKAGE.deb...

For each .deb: the SBOM (usr/share/doc/<package>/sbom.cdx.json) validates
against the CycloneDX 1.6 JSON schema (SCHEMA_DIR: the schemas shipped by
the npm package @cyclonedx/cyclonedx-library, res/schema/); it names this
package and version; every component has a version and a licence; and,
read independently from the package's own programs, every shared library
they load (ELF NEEDED) is a component of the SBOM with that linkage.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema


def fail(message):
    sys.exit(f"check_sbom: {message}")


def load_validator(schema_dir):
    schemas = {}
    for name in ("bom-1.6", "spdx", "jsf-0.82"):
        with open(os.path.join(schema_dir, f"{name}.SNAPSHOT.schema.json"), encoding="utf-8") as f:
            schemas[name] = json.load(f)
    # The bom schema names its neighbours by relative file name.
    store = {}
    for name, schema in schemas.items():
        store[schema["$id"]] = schema
        store[f"http://cyclonedx.org/schema/{name}.SNAPSHOT.schema.json"] = schema
    resolver = jsonschema.RefResolver.from_schema(schemas["bom-1.6"], store=store)
    return jsonschema.Draft7Validator(schemas["bom-1.6"], resolver=resolver)


def control_field(deb, field):
    return subprocess.run(["dpkg-deb", "-f", deb, field], check=True, capture_output=True,
                          text=True).stdout.strip()


def check(deb, validator):
    package = control_field(deb, "Package")
    version = control_field(deb, "Version")
    with tempfile.TemporaryDirectory() as root:
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        path = os.path.join(root, "usr/share/doc", package, "sbom.cdx.json")
        if not os.path.isfile(path):
            fail(f"{deb}: no SBOM at /usr/share/doc/{package}/sbom.cdx.json")
        with open(path, encoding="utf-8") as f:
            bom = json.load(f)
        errors = sorted(validator.iter_errors(bom), key=lambda e: list(e.absolute_path))
        for error in errors[:10]:
            print(f"check_sbom: {package}: at {'/'.join(map(str, error.absolute_path))}: "
                  f"{error.message}", file=sys.stderr)
        if errors:
            fail(f"{package}: the SBOM does not validate against CycloneDX 1.6 ({len(errors)} errors)")
        this = bom["metadata"]["component"]
        if (this["name"], this["version"]) != (package, version):
            fail(f"{package}: the SBOM describes {this['name']} {this['version']}, not {version}")
        linked = set()
        for component in bom["components"]:
            if not component.get("version") or not component.get("licenses"):
                fail(f"{package}: component {component.get('name')} lacks a version or licence")
            for prop in component.get("properties", []):
                if prop["name"] == "vitalsign:linkage" and prop["value"].startswith("shared: "):
                    linked.add(prop["value"][len("shared: "):])
        programs = []
        for directory in ("usr/bin", "usr/sbin"):
            full = os.path.join(root, directory)
            if os.path.isdir(full):
                programs += [os.path.join(full, name) for name in os.listdir(full)]
        needed = set()
        for program in programs:
            out = subprocess.run(["readelf", "-d", program], check=True, capture_output=True,
                                 text=True).stdout
            needed |= set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))
        if not needed:
            fail(f"{package}: no program with shared libraries found in the package")
        missing = sorted(needed - linked)
        if missing:
            fail(f"{package}: its programs load {', '.join(missing)}, which the SBOM does not list")
        named = sum(1 for c in bom["components"] for l in c["licenses"]
                    if "license" in l and "name" in l["license"])
        print(f"check_sbom: {package} {version}: valid CycloneDX 1.6, {len(bom['components'])} "
              f"libraries ({len(needed)} shared, every one listed; {named} licences by name, "
              f"the rest SPDX)")


def main():
    if len(sys.argv) < 3:
        fail("usage: check_sbom.py SCHEMA_DIR PACKAGE.deb...")
    validator = load_validator(sys.argv[1])
    for deb in sys.argv[2:]:
        check(deb, validator)


if __name__ == "__main__":
    main()
