import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: both src/host/*.ts (tests) and dist/host/*.js sit two levels below it. */
export const PACKAGE_ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const BUILTIN_TOOLS_DIR = path.join(PACKAGE_ROOT, 'tools.d');
export const DESCRIPTOR_SCHEMA_FILE = path.join(PACKAGE_ROOT, 'src', 'host', 'descriptor.schema.json');
/** Generated at build (scripts/build-catalog.mjs): the descriptor validator as standalone code. */
export const DESCRIPTOR_VALIDATOR_FILE = path.join(PACKAGE_ROOT, 'dist', 'host', 'descriptor-validator.cjs');
/** Generated at build: the built-in descriptor files, parsed and validated, keyed by content hash. */
export const BUILTIN_CACHE_FILE = path.join(PACKAGE_ROOT, 'dist', 'host', 'builtin-catalog.json');
