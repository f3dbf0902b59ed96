#!/usr/bin/env node
// Build step (after tsc): bundle `serve` over stdio (dist/cli/serve-fast.js, with the MCP SDK, zod and oclif's
// parser) into dist/fast/, which bin/run.js imports instead of starting oclif. One file instead of ~300 modules:
// Node resolves, reads and compiles far less before answering initialize. What serve loads only on demand
// (HTTP transports, the simulator, OpenTelemetry) stays in split chunks loaded when imported; packages serve reads
// through createRequire (yaml, ajv, handlebars, re2js) and cosmiconfig (which may pull in TypeScript for a .ts
// config) stay outside and load from node_modules when used.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const OUT = 'dist/fast';
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: { serve: 'dist/cli/serve-fast.js' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['cosmiconfig', 'typescript'],
  // CommonJS packages in the bundle (oclif) call require() for Node's own modules
  banner: { js: "import { createRequire as __nomadMcpRequire } from 'node:module'; const require = __nomadMcpRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
console.error(`bundle-serve: ${OUT}/serve.js written`);
