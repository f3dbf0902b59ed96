#!/usr/bin/env node
// Catalog scale: 1,000 generated descriptors in a temp dir. Load + validate time (eager and lazy validators),
// tools/list latency through a real stdio server, and how long a touched file takes to show (list_changed).
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalog } from '../dist/host/catalog.js';
import { BUILTIN_TOOLS_DIR } from '../dist/host/paths.js';
import { builtinPlugins } from '../dist/plugins/index.js';
import { startSimulator } from '../dist/sim/index.js';
import { fmt, measure, stdioClient, table } from './lib.mjs';

// `catalog.mjs --load DIR eager|lazy`: one load in a fresh process (no module, JIT or file cache warm), prints ms
if (process.argv[2] === '--load') {
  const t = performance.now();
  const r = loadCatalog([BUILTIN_TOOLS_DIR, process.argv[3]], {
    plugins: builtinPlugins(), // with their tiers, as serve passes them (names alone make every plugin tool a tier mismatch)
    upstreams: ['nomad', 'gitea'],
    lazyValidators: process.argv[4] === 'lazy',
  });
  if (r.problems.length) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
  console.log(JSON.stringify({ ms: performance.now() - t, tools: r.tools.length }));
  process.exit(0);
}

const N = Number(process.env.BENCH_TOOLS ?? 1000);
const PER_FILE = 50;
const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-bench-cat-'));
const tool = (i) => `  - name: gen_tool_${i}
    description: Generated tool number ${i} that lists jobs by prefix.
    annotations: { readOnlyHint: true }
    input:
      type: object
      properties:
        prefix: { type: string, description: Prefix. }
        per_page: { type: integer, minimum: 1, description: Page size. }
      additionalProperties: false
    request: { method: GET, path: /v1/jobs, query: { prefix: "{{prefix}}", per_page: "{{per_page}}" } }
    response: { pick: [ID, Status], maxBytes: 4000 }
`;
const writeFile = (f, extra = '') => {
  let text = `# generated\ntags: [gen]\ntools:\n`;
  for (let i = f * PER_FILE; i < Math.min(N, (f + 1) * PER_FILE); i++) text += tool(i);
  writeFileSync(path.join(dir, `gen-${String(f).padStart(3, '0')}.yaml`), text + extra);
};
for (let f = 0; f * PER_FILE < N; f++) writeFile(f);

const loadOnce = (mode) => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--load', dir, mode], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    runs.push(JSON.parse(r.stdout));
  }
  runs.sort((a, b) => a.ms - b.ms);
  return runs[1];
};
const eager = loadOnce('eager');
const lazy = loadOnce('lazy');
const [eagerMs, lazyMs] = [eager.ms, lazy.ms];

const sim = await startSimulator({ port: 0, seed: 'demo' });
const client = await stdioClient({ NOMAD_ADDR: sim.url }, ['--tools-dir', dir]);
const list = await measure(() => client.listTools(), 200, 1);
const payload = JSON.stringify((await client.listTools()).tools).length;

let resolveChange;
client.setNotificationHandler(ToolListChangedNotificationSchema, async () => resolveChange?.());
const reloads = [];
for (let k = 0; k < 5; k++) {
  const seen = new Promise((r) => (resolveChange = r));
  const t = performance.now();
  writeFile(0, `  - name: touched_${k}\n    description: A tool added to measure reload.\n    annotations: { readOnlyHint: true }\n    request: { method: GET, path: /v1/jobs }\n`);
  await seen;
  reloads.push(performance.now() - t);
}
reloads.sort((a, b) => a - b);
table([
  { measure: `load+validate ${eager.tools} tools, fresh process (eager ajv: tools validate)`, value: `${fmt(eagerMs, 0)} ms` },
  { measure: `load+validate ${lazy.tools} tools, fresh process (lazy: serve)`, value: `${fmt(lazyMs, 0)} ms` },
  { measure: 'tools/list p50 / p99 (stdio)', value: `${fmt(list.p50)} / ${fmt(list.p99)} ms` },
  { measure: 'tools/list payload', value: `${(payload / 1024).toFixed(0)} KiB` },
  { measure: 'touch a file → list_changed (median of 5)', value: `${fmt(reloads[2], 0)} ms` },
]);
await client.close();
await sim.close();
