import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: both src/host/*.ts (tests) and dist/host/*.js sit two levels below it. */
export const PACKAGE_ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const BUILTIN_TOOLS_DIR = path.join(PACKAGE_ROOT, 'tools.d');
export const DESCRIPTOR_SCHEMA_FILE = path.join(PACKAGE_ROOT, 'src', 'host', 'descriptor.schema.json');
