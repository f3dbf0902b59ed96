import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

describe('simulator: HTTP rules', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo' });
  });
  afterAll(() => sim.close());

  it('answers reads with JSON and the index headers', async () => {
    const r = await call(sim, 'GET', '/v1/jobs');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(Number(r.headers.get('x-nomad-index'))).toBeGreaterThan(0);
    expect(r.headers.get('x-nomad-lastcontact')).toBe('0');
    expect(r.headers.get('x-nomad-knownleader')).toBe('true');
    expect(r.json.map((j: any) => j.ID)).toEqual(['batch-report', 'web', 'win-app']);
  });

  it('lists across namespaces with * sorted by namespace then ID', async () => {
    const r = await call(sim, 'GET', '/v1/jobs?namespace=*');
    expect(r.json.map((j: any) => `${j.Namespace}/${j.ID}`)).toEqual(['default/batch-report', 'default/web', 'default/win-app', 'staging/api']);
  });

  it('returns [] never null', async () => {
    expect((await call(sim, 'GET', '/v1/jobs?namespace=nope')).text).toBe('[]');
    expect((await call(sim, 'GET', '/v1/job/unknown/allocations')).text).toBe('[]');
    expect((await call(sim, 'GET', '/v1/job/unknown/evaluations')).text).toBe('[]');
    expect((await call(sim, 'GET', '/v1/jobs?prefix=zzz')).text).toBe('[]');
  });

  it('uses plain-text errors with Nomad status codes', async () => {
    const notFound = await call(sim, 'GET', '/v1/job/nope');
    expect([notFound.status, notFound.text]).toEqual([404, 'job not found']);
    expect(notFound.headers.get('content-type')).toMatch(/^text\/plain/);
    const unknown = await call(sim, 'GET', '/v1/nothing/here');
    expect([unknown.status, unknown.text]).toEqual([404, '']);
    const method = await call(sim, 'DELETE', '/v1/jobs');
    expect([method.status, method.text]).toEqual([405, 'Invalid method']);
    const empty = await call(sim, 'PUT', '/v1/jobs');
    expect([empty.status, empty.text]).toEqual([400, 'Request body is empty']);
    const bad = await call(sim, 'PUT', '/v1/jobs', '{"Job": nope}');
    expect(bad.status).toBe(400);
    expect(bad.text).toBe("invalid character 'o' in literal null (expecting 'u')");
    const noJob = await call(sim, 'PUT', '/v1/jobs', {});
    expect([noJob.status, noJob.text]).toEqual([400, 'Job must be specified']);
    expect((await call(sim, 'GET', '/v1/allocation/abc')).text).toBe('alloc not found');
    expect((await call(sim, 'GET', '/v1/evaluation/abc')).status).toBe(404);
    expect((await call(sim, 'GET', '/v1/node/abc')).text).toBe('node not found');
    expect((await call(sim, 'GET', '/v1/deployment/abc')).text).toBe('deployment not found');
    expect((await call(sim, 'GET', '/v1/namespace/nope')).text).toBe('Namespace not found');
    const region = await call(sim, 'GET', '/v1/jobs?region=mars');
    expect([region.status, region.text]).toEqual([500, 'No path to region']);
  });

  it('treats * on single objects literally and honours namespace', async () => {
    expect((await call(sim, 'GET', '/v1/job/api?namespace=*')).status).toBe(404);
    expect((await call(sim, 'GET', '/v1/job/api?namespace=staging')).json.Namespace).toBe('staging');
  });

  it('paginates with per_page and next_token', async () => {
    const first = await call(sim, 'GET', '/v1/jobs?namespace=*&per_page=2');
    expect(first.json).toHaveLength(2);
    expect(first.headers.get('x-nomad-nexttoken')).toBe('default.win-app');
    const second = await call(sim, 'GET', `/v1/jobs?namespace=*&per_page=2&next_token=${first.headers.get('x-nomad-nexttoken')}`);
    expect(second.json.map((j: any) => j.ID)).toEqual(['win-app', 'api']);
    expect(second.headers.get('x-nomad-nexttoken')).toBeNull();
  });

  it('filters with bexpr and rejects what it cannot parse', async () => {
    const r = await call(sim, 'GET', `/v1/jobs?filter=${encodeURIComponent('Status == "pending" or Type == "batch"')}`);
    expect(r.json.map((j: any) => j.ID)).toEqual(['batch-report', 'win-app']);
    const m = await call(sim, 'GET', `/v1/jobs?filter=${encodeURIComponent('"team-frontend" in Meta.owner and ID matches "^w"')}&meta=true`);
    expect(m.json.map((j: any) => j.ID)).toEqual(['web']);
    const bad = await call(sim, 'GET', `/v1/jobs?filter=${encodeURIComponent('Status ==')}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^failed to read filter expression: /);
  });

  it('serves nodes, namespaces, status and agent', async () => {
    const nodes = await call(sim, 'GET', '/v1/nodes');
    expect(nodes.json).toHaveLength(3);
    expect(nodes.json.filter((n: any) => n.NodeClass === 'gpu')).toHaveLength(1);
    expect(nodes.json[0]).toMatchObject({ Datacenter: 'dc1', NodePool: 'default', Status: 'ready', SchedulingEligibility: 'eligible', Drain: false });
    const node = await call(sim, 'GET', `/v1/node/${nodes.json[0].ID}`);
    expect(node.json.Attributes['kernel.name']).toBe('linux');
    expect((await call(sim, 'GET', '/v1/namespaces')).json.map((n: any) => n.Name)).toEqual(['default', 'staging']);
    expect((await call(sim, 'GET', '/v1/status/leader')).text).toBe('"127.0.0.1:4647"');
    expect((await call(sim, 'GET', '/v1/status/peers')).json).toEqual(['127.0.0.1:4647']);
    const self = await call(sim, 'GET', '/v1/agent/self');
    expect(self.json.config).toMatchObject({ Region: 'global', Datacenter: 'dc1', Version: { Version: '1.9.7' } });
    expect(self.json.member.Name).toBeTruthy();
  });

  it('rejects a bad eligibility value with Nomad text', async () => {
    const nodes = await call(sim, 'GET', '/v1/nodes');
    const r = await call(sim, 'PUT', `/v1/node/${nodes.json[0].ID}/eligibility`, { Eligibility: 'maybe' });
    expect([r.status, r.text]).toEqual([500, 'invalid scheduling eligibility "maybe"']);
  });

  it('has the demo seed', async () => {
    const web = await call(sim, 'GET', '/v1/job/web');
    expect(web.json).toMatchObject({ Type: 'service', Status: 'running', Version: 1, Stable: true });
    expect(web.json.TaskGroups[0]).toMatchObject({ Name: 'frontend', Count: 2 });
    expect(web.json.TaskGroups[0].Tasks[0]).toMatchObject({ Name: 'server', Driver: 'docker', Config: { image: 'nginx:1.27' } });
    const allocs = await call(sim, 'GET', '/v1/job/web/allocations');
    expect(allocs.json.map((a: any) => a.ClientStatus)).toEqual(['running', 'running']);
    expect((await call(sim, 'GET', '/v1/job/web/versions')).json.Versions.map((v: any) => v.Version)).toEqual([1, 0]);
    expect((await call(sim, 'GET', '/v1/job/web/deployment')).json.Status).toBe('successful');
    expect((await call(sim, 'GET', '/v1/job/batch-report')).json.Status).toBe('dead');
    expect((await call(sim, 'GET', '/v1/job/api?namespace=staging')).json.Status).toBe('running');
    const v = await call(sim, 'GET', '/v1/var/nomad-mcp/configs/web');
    expect(v.json.Items).toEqual({ job_id: 'web', repository: 'acme/web', namespace: 'default', description: 'Public web frontend' });
  });

  it('records every request', async () => {
    const before = sim.requests.length;
    await call(sim, 'POST', '/v1/search/fuzzy?namespace=default', { Text: 'web', Context: 'jobs' }, { 'X-Nomad-Token': 'abc' });
    const rec = sim.requests[before];
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/search/fuzzy', query: { namespace: 'default' } });
    expect(rec.headers['x-nomad-token']).toBe('abc');
    expect(JSON.parse(rec.body)).toEqual({ Text: 'web', Context: 'jobs' });
  });
});
