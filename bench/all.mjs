#!/usr/bin/env node
// `npm run bench`: every benchmark in turn (each prints its own table). Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib.mjs';

for (const script of ['tool-call.mjs', 'peer.mjs', 'http.mjs', 'startup-memory.mjs', 'log-tail.mjs', 'catalog.mjs', 'context.mjs', 'redact.mjs', 'regex.mjs']) {
  console.log(`\n## ${script}`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', script)], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exitCode = 1;
}
