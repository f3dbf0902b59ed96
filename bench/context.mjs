#!/usr/bin/env node
// Context cost: what a model reads. Bytes (and ~tokens = bytes/4) of tools/list under three configurations,
// and of the answers to 12 operator questions against the simulator (demo seed + every problem scenario).
// Text content and structuredContent are counted apart: a model reads the text; programs read the structure.
// Run `npm run build` first.
import { DEMO_SCENARIOS, startSimulator } from '../dist/sim/index.js';
import { fmt, stdioClient, table } from './lib.mjs';

const bytes = (v) => Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v));
const tokens = (b) => Math.round(b / 4);

const sim = await startSimulator({ port: 0, seed: 'demo', scenarios: DEMO_SCENARIOS });
const env = { NOMAD_ADDR: sim.url };

// --- tools/list --------------------------------------------------------------------------------------
const listRows = [];
async function measureList(label, args) {
  let client;
  try {
    client = await stdioClient(env, args);
  } catch (err) {
    listRows.push({ 'tools/list': label, tools: '-', reachable: '-', bytes: `failed: ${err.message.split('\n')[0]}`, '~tokens': '-', 'B/tool': '-', 'instructions B': '-' });
    return;
  }
  const list = await client.listTools();
  const b = bytes(list);
  const instructions = client.getInstructions?.() ?? '';
  // what a model can call: the listed tools, and with dynamic toolsets every tool of every toolset too
  const reachable = new Set(list.tools.map((t) => t.name));
  if (reachable.has('list_toolsets')) {
    const sets = (await client.callTool({ name: 'list_toolsets', arguments: {} })).structuredContent.toolsets;
    for (const s of sets) {
      const r = await client.callTool({ name: 'get_toolset_tools', arguments: { toolset: s.name } });
      for (const t of r.structuredContent.tools) reachable.add(t.name);
    }
  }
  listRows.push({ 'tools/list': label, tools: list.tools.length, reachable: reachable.size, bytes: b, '~tokens': tokens(b), 'B/tool': fmt(b / list.tools.length, 0), 'instructions B': bytes(instructions) });
  await client.close();
}
await measureList('default', []);
await measureList('--toolsets dynamic', ['--toolsets', 'dynamic']);
await measureList('all (--allow-destructive)', ['--allow-destructive']);
table(listRows);

// --- answers ---------------------------------------------------------------------------------------------
const QUESTIONS = [
  ['list jobs', 'list_jobs', { namespace: '*' }],
  ['job status', 'get_job_status', { job_id: 'web' }],
  ['why pending', 'explain_placement_failure', { job_id: 'analytics' }],
  ['last logs', 'get_job_logs', { job_id: 'web' }],
  ['recent evaluations', 'list_evaluations', {}],
  ['nodes', 'list_nodes', {}],
  ['deployments', 'list_deployments', {}],
  ['allocations', 'list_allocations', {}],
  ['cluster status', 'get_cluster_status', {}],
  ['problems', 'find_problems', {}],
  ['job versions', 'get_job_versions', { job_id: 'web' }],
  ['variables', 'list_variables', {}],
];

async function ask(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  const text = (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  return { text: bytes(text), structured: r.structuredContent ? bytes(r.structuredContent) : 0, error: r.isError ? text.slice(0, 80) : '' };
}

const client = await stdioClient(env);
const rows = [];
let sumText = 0;
let sumStructured = 0;
for (const [question, tool, args] of QUESTIONS) {
  const a = await ask(client, tool, args);
  sumText += a.text;
  sumStructured += a.structured;
  rows.push({ question, tool, 'text B': a.text, '~tokens': tokens(a.text), 'structured B': a.structured, note: a.error ? `error: ${a.error}` : '' });
}
rows.push({ question: 'total', tool: '', 'text B': sumText, '~tokens': tokens(sumText), 'structured B': sumStructured, note: '' });
await client.close();
await sim.close();

// a 100-job page (the goal: ≤ 8 KB of text)
const big = await startSimulator({ port: 0, seed: 'empty', extraJobs: 100 });
const bigClient = await stdioClient({ NOMAD_ADDR: big.url });
const page = await ask(bigClient, 'list_jobs', { per_page: 100 });
rows.push({ question: '100-job page', tool: 'list_jobs', 'text B': page.text, '~tokens': tokens(page.text), 'structured B': page.structured, note: page.error });
await bigClient.close();
await big.close();
console.log('');
table(rows);
