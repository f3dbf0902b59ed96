/**
 * Variable tools end to end: values stay hidden unless the server allows them, check-and-set
 * conflicts are one clear sentence (never Nomad's 409 body, which holds the values), deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RecordedRequest, type Simulator } from '../../src/sim/index.js';
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

const since = (from: number): RecordedRequest[] => sim.requests.slice(from);

async function modifyIndex(path: string): Promise<number> {
  return ((await (await fetch(`${sim.url}/v1/var/${path}`)).json()) as { ModifyIndex: number }).ModifyIndex;
}

describe('list_variables and get_variable', () => {
  it('list_variables shows paths and change indexes, never values', async () => {
    const r = await mcp.call('list_variables');
    expect(r.isError).toBe(false);
    expect(r.text.split('\n')[0]).toMatch(/^Path +Namespace +ModifyIndex +ModifyTime$/);
    expect(r.text).toMatch(/^nomad-mcp\/configs\/web +default +\d+ +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((\d+[smhd] ago|now)\)$/m);
    expect(r.structured!.items).toContainEqual(expect.objectContaining({ Path: 'nomad-mcp/configs/web', Namespace: 'default', ModifyIndex: expect.any(Number) }));
    expect(r.text).not.toContain('acme/web');
    const from = sim.requests.length;
    const none = await mcp.call('list_variables', { prefix: 'nothing/here' });
    expect(none.text).toBe('No variables.');
    expect(since(from).find((q) => q.path === '/v1/vars')!.query.prefix).toBe('nothing/here');
  });

  it('get_variable shows the keys and hides the values by default', async () => {
    const r = await mcp.call('get_variable', { path: 'nomad-mcp/configs/web' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^Variable nomad-mcp\/configs\/web \(namespace default\): ModifyIndex \d+, modified \d{4}-/);
    expect(r.text).toContain('4 items:\n');
    for (const k of ['description', 'job_id', 'namespace', 'repository']) expect(r.text).toContain(`\n  ${k} = "(hidden)"\n`);
    expect(r.text).toContain('the server shows them only when started with --allow-variable-values');
    expect(r.text).toMatch(/To change it, use put_variable with cas=\d+/);
    expect(JSON.stringify(r)).not.toContain('acme/web');
    expect(r.structured).toMatchObject({ path: 'nomad-mcp/configs/web', items: { job_id: '(hidden)', repository: '(hidden)' } });
  });

  it('a server started with --allow-variable-values shows them', async () => {
    const open = await connectStdio({ NOMAD_ADDR: sim.url }, ['--allow-variable-values']);
    try {
      const r = await open.call('get_variable', { path: 'nomad-mcp/configs/web' });
      expect(r.isError).toBe(false);
      expect(r.text).toContain('4 items:');
      expect(r.text).toContain('  repository = "acme/web"');
      expect(r.text).toContain('  job_id = "web"');
      expect(r.text).not.toContain('(hidden)');
      expect(r.structured).toMatchObject({ items: { repository: 'acme/web' } });
    } finally {
      await open.close();
    }
  });

  it('an unknown path says variable not found', async () => {
    const r = await mcp.call('get_variable', { path: 'no/such/var' });
    expect(r.isError).toBe(true);
    expect(r.text).toBe('Nomad 404: variable not found (GET /v1/var/no/such/var)');
  });
});

describe('put_variable and delete_variable', () => {
  it('put_variable writes the items and answers the keys, not the values', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('put_variable', { path: 'app/db', items: { user: 'app', password: 'hunter2' } });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^Variable app\/db written \(modify index \d+, keys: password, user\)\.$/);
    expect(r.text).not.toContain('hunter2');
    const req = since(from).find((q) => q.path === '/v1/var/app/db')!;
    expect(req.method).toBe('PUT');
    expect(req.query).not.toHaveProperty('cas');
    expect(JSON.parse(req.body)).toEqual({ Items: { user: 'app', password: 'hunter2' } });
  });

  it('a check-and-set conflict is a clear error with the current index, without the values', async () => {
    const current = await modifyIndex('app/db');
    const from = sim.requests.length;
    const r = await mcp.call('put_variable', { path: 'app/db', items: { password: 'other' }, cas: current - 1 });
    expect(r.isError).toBe(true);
    expect(r.text).toBe(
      `Variable app/db was not written: the check-and-set failed: it was expected at modify index ${current - 1}, but someone changed it since; its modify index is now ${current}. Read it again with get_variable, then retry put_variable with cas=${current} if you still want to replace it.`,
    );
    expect(r.text).not.toContain('hunter2');
    expect(since(from).find((q) => q.method === 'PUT')!.query.cas).toBe(String(current - 1));
    // Nothing was overwritten.
    expect(await modifyIndex('app/db')).toBe(current);

    const fresh = await mcp.call('put_variable', { path: 'app/db', items: { password: 'other' }, cas: 0 });
    expect(fresh.isError).toBe(true);
    expect(fresh.text).toContain('cas=0 writes only a new variable, but it already exists');

    const ok = await mcp.call('put_variable', { path: 'app/db', items: { password: 'rotated' }, cas: current });
    expect(ok.isError).toBe(false);
    expect(await modifyIndex('app/db')).toBeGreaterThan(current);
  });

  it('cas=0 creates a new variable; a bad path is Nomad\'s error', async () => {
    const r = await mcp.call('put_variable', { path: 'app/new', items: { a: 'b' }, cas: 0 });
    expect(r.isError).toBe(false);
    expect(sim.requests.filter((q) => q.path === '/v1/var/app/new').at(-1)!.query.cas).toBe('0');
    const bad = await mcp.call('put_variable', { path: 'nomad/other', items: { a: 'b' } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('nomad/jobs');
  });

  it('delete_variable deletes it', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('delete_variable', { path: 'app/db' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('Variable app/db deleted.');
    expect(since(from).map((q) => `${q.method} ${q.path}`)).toContain('DELETE /v1/var/app/db');
    const gone = await mcp.call('get_variable', { path: 'app/db' });
    expect(gone.isError).toBe(true);
    expect(gone.text).toContain('variable not found');
    expect((await mcp.call('list_variables', { prefix: 'app/' })).text).not.toContain('app/db');
  });
});
