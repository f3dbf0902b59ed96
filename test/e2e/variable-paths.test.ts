/**
 * Variable paths end to end: `..` (sent as %2E%2E, which normalising proxies resolve) and anything outside
 * Nomad's own rule `^[a-zA-Z0-9-_~/]{1,128}$` (nomad/structs/variables.go:365) are refused before any
 * request reaches Nomad, in every tool that takes or builds a variable path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--allow-destructive']);
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

/** Calls the tool and returns its answer with the Nomad requests it caused. */
async function callCounting(name: string, args: Record<string, unknown>) {
  const from = sim.requests.length;
  const r = await mcp.call(name, args);
  return { ...r, sent: sim.requests.slice(from).map((q) => `${q.method} ${q.path}`) };
}

const long = (n: number) => 'a'.repeat(n);

describe('variable paths are checked before anything is sent', () => {
  it('put_variable refuses ../ (the allocation-stop climb) and names the rule', async () => {
    const r = await callCounting('put_variable', { path: '../allocation/0b5e8d6c/stop', items: { a: 'b' } });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/path/);
    expect(r.text).toContain('a-zA-Z0-9');
    expect(r.sent).toEqual([]);
  });

  it('put_variable refuses a 129-character path and accepts 128', async () => {
    const bad = await callCounting('put_variable', { path: `team/${long(124)}`, items: { a: 'b' } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/128/);
    expect(bad.sent).toEqual([]);
    const ok = await callCounting('put_variable', { path: `team/${long(123)}`, items: { a: 'b' } });
    expect(ok.isError, ok.text).toBe(false);
    expect(ok.sent).toEqual([`PUT /v1/var/team/${long(123)}`]);
  });

  it('get_variable and delete_variable refuse dot segments and dots', async () => {
    for (const [tool, path] of [['get_variable', 'a/../b'], ['get_variable', '.'], ['delete_variable', 'nomad/jobs/../../x'], ['delete_variable', 'a.b']] as const) {
      const r = await callCounting(tool, { path });
      expect(r.isError, `${tool} ${path}`).toBe(true);
      expect(r.sent, `${tool} ${path}`).toEqual([]);
    }
  });

  it('config names that would make the variable path longer than 128 characters are refused', async () => {
    // nomad-mcp/configs/ is 18 characters, so a name may have 110
    const bad = await callCounting('save_config', { name: long(111), job_id: 'web' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/110/);
    expect(bad.sent).toEqual([]);
    const ok = await callCounting('save_config', { name: long(110), job_id: 'web' });
    expect(ok.isError, ok.text).toBe(false);
    expect(ok.sent).toEqual([`PUT /v1/var/nomad-mcp/configs/${long(110)}`]);
    for (const tool of ['get_config', 'delete_config']) {
      const r = await callCounting(tool, { name: '..' });
      expect(r.isError, tool).toBe(true);
      expect(r.sent, tool).toEqual([]);
    }
  });
});
