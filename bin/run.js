#!/usr/bin/env node
// oclif entry point: the command list comes from oclif.manifest.json (built by `npm run build`).
import { existsSync } from 'node:fs';
import { execute } from '@oclif/core';

// A clone has no dist/ until `npm run build` (a packed or git install comes built): say so, not "command not found".
if (!existsSync(new URL('../dist/commands/serve.js', import.meta.url))) {
  const root = decodeURIComponent(new URL('..', import.meta.url).pathname);
  process.stderr.write(`nomad-mcp is not built yet: run \`npm run build\` in ${root}\n`);
  process.exit(1);
}

await execute({ dir: import.meta.url });
