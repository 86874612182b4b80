#!/usr/bin/python3
"""Validates a JSON document against a JSON Schema (draft 2020-12), with
Debian's python3-jsonschema:  validate_json_schema.py SCHEMA DOCUMENT
Exit 0 valid; 1 invalid (each error printed with its path); 2 usage."""
import json
import sys

import jsonschema

if len(sys.argv) != 3:
    print(__doc__, file=sys.stderr)
    sys.exit(2)
with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    document = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document),
                key=lambda e: list(e.absolute_path))
for error in errors:
    print(f"{sys.argv[2]}: at /{'/'.join(map(str, error.absolute_path))}: {error.message}")
sys.exit(1 if errors else 0)
