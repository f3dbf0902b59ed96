import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

describe('simulator: variables', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo' });
  });
  afterAll(() => sim.close());

  it('lists metadata only', async () => {
    const r = await call(sim, 'GET', '/v1/vars?prefix=nomad-mcp/');
    expect(r.json).toHaveLength(1);
    expect(Object.keys(r.json[0]).sort()).toEqual(['CreateIndex', 'CreateTime', 'ModifyIndex', 'ModifyTime', 'Namespace', 'Path']);
  });

  it('returns Items with sorted keys, as Go encodes a map', async () => {
    const seeded = await call(sim, 'GET', '/v1/var/nomad-mcp/configs/web');
    expect(Object.keys(seeded.json.Items)).toEqual(['description', 'job_id', 'namespace', 'repository']);
    await call(sim, 'PUT', '/v1/var/sorted/keys', { Items: { zeta: '1', alpha: '2', Mid: '3' } });
    expect(seeded.text.indexOf('"description"')).toBeLessThan(seeded.text.indexOf('"job_id"'));
    expect(Object.keys((await call(sim, 'GET', '/v1/var/sorted/keys')).json.Items)).toEqual(['Mid', 'alpha', 'zeta']);
  });

  it('writes with CAS and answers 409 with the current variable on conflict', async () => {
    const created = await call(sim, 'PUT', '/v1/var/nomad-mcp/configs/api?cas=0', { Items: { job_id: 'api' } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ Path: 'nomad-mcp/configs/api', Namespace: 'default', Items: { job_id: 'api' } });
    const index = created.json.ModifyIndex;
    const conflict = await call(sim, 'PUT', '/v1/var/nomad-mcp/configs/api?cas=0', { Items: { job_id: 'other' } });
    expect(conflict.status).toBe(409);
    expect(conflict.json).toMatchObject({ ModifyIndex: index, Items: { job_id: 'api' } });
    const updated = await call(sim, 'POST', `/v1/var/nomad-mcp/configs/api?cas=${index}`, { Items: { job_id: 'api2' } });
    expect(updated.status).toBe(200);
    expect((await call(sim, 'GET', '/v1/var/nomad-mcp/configs/api')).json.Items).toEqual({ job_id: 'api2' });
  });

  it('validates bodies', async () => {
    const missing = await call(sim, 'PUT', '/v1/var/a/b', { Path: 'a/b' });
    expect([missing.status, missing.text]).toEqual([400, 'variable missing required Items object']);
    const nonString = await call(sim, 'PUT', '/v1/var/a/b', { Items: { n: 1 } });
    expect(nonString.status).toBe(400);
    expect(nonString.text).toMatch(/^json: cannot unmarshal number into Go struct field VariableDecrypted\.Items of type string/);
    const badPath = await call(sim, 'PUT', '/v1/var/a b', { Items: { n: '1' } });
    expect([badPath.status, badPath.text]).toEqual([400, 'invalid path "a b"']);
  });

  it('deletes with 204 and an empty body, then 404s', async () => {
    const del = await call(sim, 'DELETE', '/v1/var/nomad-mcp/configs/api');
    expect([del.status, del.text]).toEqual([204, '']);
    const gone = await call(sim, 'GET', '/v1/var/nomad-mcp/configs/api');
    expect([gone.status, gone.text]).toEqual([404, 'variable not found']);
  });

  it('a blocking list answers when a variable under the prefix changes, with the variables table index, not on other writes', async () => {
    // Variables.List blocks on the prefix and answers with the variables table's index (floored at 1),
    // which advances on every variable write and delete (nomad/variables_endpoint.go List ~460, server.go setReplyQueryMeta)
    const first = await call(sim, 'GET', '/v1/vars?prefix=team/');
    const index = Number(first.headers.get('x-nomad-index'));
    expect(index).toBeGreaterThanOrEqual(1);
    const blocked = call(sim, 'GET', `/v1/vars?prefix=team/&index=${index}&wait=20s`);
    // a job write moves the raft index but not the variables table: the query keeps waiting
    expect((await call(sim, 'PUT', '/v1/jobs', { Job: { ID: 'idx', Name: 'idx', Type: 'batch', Datacenters: ['dc1'], TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'exec', Config: { command: 'true' } }] }] } })).status).toBe(200);
    const put = await call(sim, 'PUT', '/v1/var/team/a', { Items: { yaml: 'x' } });
    const woke = await blocked;
    expect(woke.json.map((v: { Path: string }) => v.Path)).toEqual(['team/a']);
    expect(Number(woke.headers.get('x-nomad-index'))).toBe(put.json.ModifyIndex);

    // a delete advances it too (the table index, since a deleted variable has no ModifyIndex to report)
    const waiting = call(sim, 'GET', `/v1/vars?prefix=team/&index=${put.json.ModifyIndex}&wait=20s`);
    expect((await call(sim, 'DELETE', '/v1/var/team/a')).status).toBe(204);
    const gone = await waiting;
    expect(gone.json).toEqual([]);
    expect(Number(gone.headers.get('x-nomad-index'))).toBeGreaterThan(put.json.ModifyIndex);
  });
});
