#!/usr/bin/env node
// Build step (after tsc): generate the descriptor validator as standalone code and a cache of the
// built-in catalog (parsed, validated, keyed by content hash), so `serve` starts without compiling
// the descriptor schema or parsing the built-in YAML. Fails the build if the built-in catalog is invalid.
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { CACHE_VERSION, DESCRIPTOR_AJV_OPTIONS, loadCatalog, namePositions, textHash } from '../dist/host/catalog.js';
import { formatProblem } from '../dist/host/errors.js';
import { BUILTIN_CACHE_FILE, BUILTIN_TOOLS_DIR, DESCRIPTOR_SCHEMA_FILE, DESCRIPTOR_VALIDATOR_FILE } from '../dist/host/paths.js';
import { builtinPlugins } from '../dist/plugins/index.js';

// code.regExp carries its own code for the generated file: patterns run on RE2 there too
const ajv = new Ajv({ ...DESCRIPTOR_AJV_OPTIONS, code: { ...DESCRIPTOR_AJV_OPTIONS.code, source: true } });
const validate = ajv.compile(JSON.parse(readFileSync(DESCRIPTOR_SCHEMA_FILE, 'utf8')));
writeFileSync(DESCRIPTOR_VALIDATOR_FILE, standaloneCode(ajv, validate));

rmSync(BUILTIN_CACHE_FILE, { force: true }); // check the sources, not a previous build's cache
const result = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });
if (result.problems.length || result.mismatches.length) {
  for (const p of [...result.problems, ...result.mismatches]) console.error(formatProblem(p));
  console.error('build-catalog: the built-in catalog is invalid');
  process.exit(1);
}
const cache = {};
for (const f of readdirSync(BUILTIN_TOOLS_DIR).filter((n) => /\.ya?ml$/.test(n))) {
  const text = readFileSync(path.join(BUILTIN_TOOLS_DIR, f), 'utf8');
  cache[textHash(text)] = { data: parseDocument(text).toJS(), names: namePositions(text) };
}
writeFileSync(BUILTIN_CACHE_FILE, JSON.stringify({ version: CACHE_VERSION, files: cache }));
console.error(`build-catalog: ${result.tools.length} built-in tools cached; descriptor validator generated`);
