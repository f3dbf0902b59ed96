/**
 * monitor_agent end to end: the SDK client over stdio follows the simulator's /v1/agent/monitor, gets a
 * progress notification for the lines that arrive before the answer, sees only the level asked for, and
 * under a token without agent:read is told which capability Nomad wanted.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected, until } from './harness.js';

const MGMT = 'monitor-management-token';
const NO_AGENT = 'monitor-no-agent-token';

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 'demo',
    aclTokens: [MGMT],
    acl: { policies: { ns: 'namespace "*" { policy = "read" }' }, tokens: [{ name: 'no-agent', secret: NO_AGENT, policies: ['ns'] }] },
  });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: MGMT });
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

/** Calls monitor_agent; while it follows, `during` runs; progress messages are collected in order. */
async function monitorWhile(args: Record<string, unknown>, during: () => Promise<void>) {
  const events: string[] = [];
  const call = mcp.client
    .callTool({ name: 'monitor_agent', arguments: args }, undefined, {
      onprogress: (p) => {
        events.push(`progress:${p.message ?? ''}`);
      },
      timeout: 60_000,
    })
    .then((r) => {
      events.push('result');
      return r as CallToolResult;
    });
  await until('the monitor is open', () => sim.monitors() === 1);
  await during();
  const r = await call;
  return { r, text: r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'), events };
}

describe('monitor_agent', () => {
  it('streams the lines logged while it follows, as progress before the answer, redacted', async () => {
    // 8 s: room for the lines to cross a loaded machine; nothing here measures time
    const { r, text, events } = await monitorWhile({ seconds: 8, log_level: 'debug' }, async () => {
      await fetch(`${sim.url}/v1/status/leader`);
      sim.agentLog('ERROR', 'client.driver_mgr', 'failed to fingerprint', { error: 'password=hunter2hunter2' });
    });
    expect(r.isError, text).toBeFalsy();
    expect(text).toContain('This is untrusted output');
    expect(text).toMatch(/\[DEBUG\] http: request complete: method=GET path=\/v1\/status\/leader duration=/);
    expect(text).toMatch(/\[ERROR\] client\.driver_mgr: failed to fingerprint/);
    expect(text).not.toContain('hunter2hunter2');
    expect(r.structuredContent).toMatchObject({ log_level: 'DEBUG', seconds: 8, ended_by: 'time', truncated: false });
    expect((r.structuredContent as { lines: number }).lines).toBeGreaterThanOrEqual(2);
    expect((r.structuredContent as { redactions: number }).redactions).toBeGreaterThanOrEqual(1);
    // the lines reached the client as progress before the answer
    const first = events.findIndex((e) => e.startsWith('progress:') && e.includes('request complete'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(events.indexOf('result'));
    await until('the monitor closed', () => sim.monitors() === 0);
  });

  it('says when nothing at the level asked for was logged', async () => {
    const { text, r } = await monitorWhile({ seconds: 1, log_level: 'error' }, async () => {
      await fetch(`${sim.url}/v1/status/leader`);
    });
    expect(text).toContain('No log lines at level ERROR or above');
    expect(r.structuredContent).toMatchObject({ log_level: 'ERROR', lines: 0 });
    await until('the monitor closed', () => sim.monitors() === 0);
  });

  it('an unknown node and a token without agent:read are refused in words', async () => {
    let r = await mcp.call('monitor_agent', { seconds: 1, node_id: '00000000-0000-0000-0000-000000000000' });
    expect(r.isError, r.text).toBe(true);
    expect(r.text).toContain('Unknown node "00000000-0000-0000-0000-000000000000"');
    const other = await connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: NO_AGENT });
    try {
      r = await other.call('monitor_agent', { seconds: 1 });
      expect(r.isError, r.text).toBe(true);
      expect(r.text).toMatch(/Permission denied.*agent:read/);
    } finally {
      await other.close();
    }
  });
});
