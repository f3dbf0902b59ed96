#!/usr/bin/env node
// Cold start (spawn → tools/list answered, median of 10) and server RSS after 10,000 calls and after a 500-call burst.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startSimulator } from '../dist/sim/index.js';
import { BIN, ROOT, fmt, stdioClient, table } from './lib.mjs';

export async function coldStart(runs = 10) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = spawn(process.execPath, [BIN, 'serve', '--stdio', '--no-watch'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NOMAD_ADDR: 'http://127.0.0.1:1', NOMAD_MCP_LOG_LEVEL: 'warn' },
    });
    const send = (m) => p.stdin.write(`${JSON.stringify(m)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'b', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await new Promise((resolve) => {
      let buf = '';
      p.stdout.on('data', (d) => {
        buf += d;
        if (buf.includes('"id":2')) {
          times.push(performance.now() - t0);
          p.kill();
          resolve();
        }
      });
    });
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

export async function memory() {
  const sim = await startSimulator({ port: 0, seed: 'demo' });
  const client = await stdioClient({ NOMAD_ADDR: sim.url }, ['--no-watch']);
  const pid = client.transport.pid;
  await client.callTool({ name: 'list_jobs', arguments: {} });
  const base = rssOf(pid);
  for (let i = 0; i < 10_000; i++) await client.callTool({ name: 'list_jobs', arguments: {} });
  const after10k = rssOf(pid);
  await Promise.all(Array.from({ length: 500 }, () => client.callTool({ name: 'get_job_status', arguments: { job_id: 'web' } })));
  const afterBurst = rssOf(pid);
  await new Promise((r) => setTimeout(r, 2000));
  const settled = rssOf(pid);
  await client.close();
  await sim.close();
  return { base, after10k, afterBurst, settled };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cold = await coldStart();
  const m = await memory();
  table([
    { measure: 'cold start: spawn → tools/list (median of 10)', value: `${fmt(cold, 0)} ms`, target: '≤ 300 ms' },
    { measure: 'RSS after first call', value: `${fmt(m.base, 1)} MB`, target: '' },
    { measure: 'RSS after 10,000 sequential calls', value: `${fmt(m.after10k, 1)} MB`, target: '≤ 80 MB' },
    { measure: 'RSS right after a 500-call burst', value: `${fmt(m.afterBurst, 1)} MB`, target: '' },
    { measure: 'RSS 2 s after the burst', value: `${fmt(m.settled, 1)} MB`, target: '' },
  ]);
}
