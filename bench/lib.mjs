// Shared helpers of the benchmarks: percentiles, a table printer, and a stdio MCP client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
export const BIN = path.join(ROOT, 'bin', 'run.js');

/**
 * CPU time of this process (process.cpuUsage) in ms, the best of `runs` calls of `fn`: on a shared machine
 * wall time mostly measures the wait for a core.
 */
export function bestCpuMs(fn, runs = 3) {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.cpuUsage();
    fn();
    const u = process.cpuUsage(t);
    min = Math.min(min, (u.user + u.system) / 1000);
  }
  return min;
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Run `fn` `total` times with `concurrency` in flight; returns latencies (ms) and calls/s. */
export async function measure(fn, total, concurrency) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  async function worker() {
    while (next < total) {
      next++;
      const s = performance.now();
      await fn();
      lat.push(performance.now() - s);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), rate: total / secs };
}

export function table(rows) {
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals) => vals.map((v, i) => String(v).padEnd(width[i])).join('  ');
  console.log(line(cols));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

export async function stdioClient(env, args = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'serve', '--stdio', ...args],
    env: { PATH: process.env.PATH ?? '', NOMAD_MCP_LOG_LEVEL: 'warn', ...env },
    cwd: ROOT,
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  // bursts of requests wait for 'drain' on the child's stdin, one short-lived listener each
  transport._process?.stdin?.setMaxListeners(0);
  return client;
}

export const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
