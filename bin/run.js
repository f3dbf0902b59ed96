#!/usr/bin/env node
// oclif entry point: the command list comes from oclif.manifest.json (built by `npm run build`).
import { existsSync } from 'node:fs';

// A clone has no dist/ until `npm run build` (a packed or git install comes built): say so, not "command not found".
if (!existsSync(new URL('../dist/commands/serve.js', import.meta.url))) {
  const root = decodeURIComponent(new URL('..', import.meta.url).pathname);
  process.stderr.write(`nomad-mcp is not built yet: run \`npm run build\` in ${root}\n`);
  process.exit(1);
}

// oclif checks Node against its own package's engines with semver at import (~40 ms of a cold start);
// npm already checks ours, so that check is skipped unless asked for.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
const { execute } = await import('@oclif/core');

await execute({ dir: import.meta.url });
