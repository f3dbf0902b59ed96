#!/usr/bin/env node
// Adversarial search patterns (exponential on a backtracking engine) over a 1 MiB log tail: the
// engine alone, line by line as search_job_logs tests them and on the tail as one string, then
// through search_job_logs over stdio against the simulator (5000 lines of every log of job web).
import { startSimulator } from '../dist/sim/index.js';
import { compileSafePattern } from '../dist/host/safe-regex.js';
import { bestCpuMs, fmt, stdioClient, table } from './lib.mjs';

const PATTERNS = ['(.|.)*Q', '(a+)+$', '(a|aa)*b', '(x+x+)+y', '.*.*.*=.*', 'error|timeout'];
const MiB = 1024 * 1024;
const LINE = '2024-01-01T00:00:00Z INFO GET /api/items?id=42 served in 12ms user=bob aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaxxxxxxxxxxxxxxxx\n';
const tail = LINE.repeat(Math.ceil(MiB / LINE.length)).slice(0, MiB);
const lines = tail.split('\n');
const As = 'a'.repeat(MiB);

// CPU time, the best of a few runs (bench/lib.mjs bestCpuMs). The tool call is wall time (client, server and simulator share the cores).
const best = bestCpuMs;

const sim = await startSimulator({ port: 0, seed: 'demo' });
const allocs = await (await fetch(`${sim.url}/v1/job/web/allocations`)).json();
for (const a of allocs) for (const type of ['stdout', 'stderr']) sim.setLogSize(a.ID, 'server', type, MiB);
const client = await stdioClient({ NOMAD_ADDR: sim.url }, ['--no-watch']);

// first call pays for loading re2js and warming the server up
await client.callTool({ name: 'search_job_logs', arguments: { job_id: 'web', pattern: 'warm-up', lines: 5000 } });
const rows = [];
for (const pattern of PATTERNS) {
  const re = compileSafePattern(pattern, { ignoreCase: true });
  let matched = 0;
  const perLine = best(() => {
    matched = 0;
    for (const l of lines) if (re.test(l)) matched++;
  });
  const whole = best(() => re.test(tail));
  const aaa = best(() => re.test(As));
  const t = performance.now();
  const r = await client.callTool({ name: 'search_job_logs', arguments: { job_id: 'web', pattern, lines: 5000, max_matches: 500 } });
  const tool = performance.now() - t;
  if (r.isError) throw new Error(r.content[0].text);
  rows.push({
    pattern,
    '1 MiB by line, CPU ms': fmt(perLine, 1),
    'lines matched': matched,
    '1 MiB one string, CPU ms': fmt(whole, 1),
    "1 MiB of 'a', CPU ms": fmt(aaa, 1),
    'search_job_logs, wall ms': fmt(tool, 1),
  });
}
table(rows);
console.log(`search_job_logs: ${allocs.length} allocations x stdout+stderr, last 5000 lines of 1 MiB logs each`);
await client.close();
await sim.close();
