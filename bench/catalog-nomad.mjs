#!/usr/bin/env node
// The catalog from Nomad Variables: three `serve --http --stateless --tools-from-nomad nomad-mcp/tools` replicas
// against one simulator, a 2026-07-28 client listening on each. Each round writes a descriptor variable and times,
// per replica, how long after the simulator committed the write its tools/list_changed arrived.
// BENCH_ROUNDS (default 20).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { spawn } from 'node:child_process';
import { startSimulator } from '../dist/sim/index.js';
import { BIN, ROOT, percentile, table } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PREFIX = 'nomad-mcp/tools';
const sim = await startSimulator({ port: 0, seed: 'demo' });

function serve() {
  const proc = spawn(process.execPath, [BIN, 'serve', '--http', '--port', '0', '--stateless', '--tools-from-nomad', PREFIX], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: sim.url, NOMAD_MCP_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (\S+)/.exec(err);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function listener(url) {
  const client = new Client({ name: 'bench', version: '1' }, { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  let waiting = [];
  client.setNotificationHandler('notifications/tools/list_changed', async () => {
    const at = performance.now();
    const w = waiting;
    waiting = [];
    for (const r of w) r(at);
  });
  const sub = await client.listen({ toolsListChanged: true });
  return { client, sub, next: () => new Promise((r) => waiting.push(r)) };
}

const replicas = [];
for (let i = 0; i < 3; i++) replicas.push(await serve());
const clients = await Promise.all(replicas.map((r) => listener(r.url)));

const lat = [[], [], []];
for (let round = 0; round < ROUNDS; round++) {
  const announced = clients.map((c) => c.next());
  let committed;
  const off = sim.state.onIndex((i) => queueMicrotask(() => (committed ??= sim.state.variablesIndex === i ? performance.now() : undefined)));
  const yaml = `tools:\n  - name: bench_tool_${round}\n    description: A team tool written by the benchmark, round ${round}.\n    annotations: { readOnlyHint: true }\n    request: { method: GET, path: /v1/jobs }\n`;
  const res = await fetch(`${sim.url}/v1/var/${PREFIX}/bench`, { method: 'PUT', body: JSON.stringify({ Items: { yaml } }) });
  if (res.status !== 200) throw new Error(`PUT answered ${res.status}`);
  const at = await Promise.all(announced);
  off();
  at.forEach((t, i) => lat[i].push(t - committed));
}

const f = (ms) => `${ms.toFixed(0)} ms`;
table(
  lat.map((l, i) => {
    const s = [...l].sort((a, b) => a - b);
    return { replica: i, rounds: s.length, p50: f(percentile(s, 50)), p99: f(percentile(s, 99)), max: f(s[s.length - 1]) };
  }),
);
for (const c of clients) {
  await c.sub.close();
  await c.client.close();
}
for (const r of replicas) r.proc.kill('SIGTERM');
await sim.close();
