/**
 * Each endpoint the product calls checks the capability Nomad v1.9.7 checks, with Nomad's status and
 * text. The tokens are the token matrix (token-matrix.ts), made through the ACL API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, readUntil, simpleJob, start } from './helpers.js';
import { createTokenMatrix, type TokenMatrix } from './token-matrix.js';

const MGMT = 'acl-endpoints-management';
let sim: Simulator;
let m: TokenMatrix;
let stagingAlloc: string;
let webAlloc: string;
let stagingEval: string;
let stagingDeployment: string;
let nodeID: string;

const as = (secret: string) => ({ 'X-Nomad-Token': secret });
const get = (secret: string, path: string) => call(sim, 'GET', path, undefined, as(secret));

beforeAll(async () => {
  sim = await start({
    seed: 'demo',
    aclTokens: [MGMT],
    acl: {
      policies: {
        vars: 'namespace "default" {\n  variables {\n    path "nomad-mcp/*" { capabilities = ["read"] }\n  }\n}',
        quota: 'quota { policy = "read" }',
        staging: 'namespace "staging" { policy = "read" }',
      },
      tokens: [
        { name: 'vars', secret: 'vars-secret', policies: ['vars'] },
        { name: 'nothing', secret: 'nothing-secret', policies: ['quota'] },
        { name: 'staging', secret: 'staging-secret', policies: ['staging'] },
      ],
    },
  });
  m = await createTokenMatrix(sim.url, MGMT);
  stagingAlloc = (await get(MGMT, '/v1/allocations?namespace=staging')).json[0].ID;
  webAlloc = (await get(MGMT, '/v1/job/web/allocations')).json[0].ID;
  stagingEval = (await get(MGMT, '/v1/evaluations?namespace=staging')).json[0].ID;
  stagingDeployment = (await get(MGMT, '/v1/deployments?namespace=staging')).json[0].ID;
  nodeID = (await get(MGMT, '/v1/nodes')).json[0].ID;
});
afterAll(() => sim.close());

describe('tokens and the ACL endpoints', () => {
  it('the matrix helper made client tokens through PUT /v1/acl/policy and /v1/acl/token', async () => {
    const self = await get(m.readOnly.secret, '/v1/acl/token/self');
    expect(self.status).toBe(200);
    expect(self.json).toMatchObject({ Type: 'client', Policies: ['matrix-read-only'], Name: 'matrix-read-only', SecretID: m.readOnly.secret });
    expect((await get(MGMT, '/v1/acl/token/self')).json).toMatchObject({ Type: 'management', Policies: null, Roles: null });
    // no token: ACL.ResolveToken finds none for "" (command/agent/acl_endpoint.go aclTokenSelf, v1.9.7)
    const none = await call(sim, 'GET', '/v1/acl/token/self');
    expect([none.status, none.text]).toEqual([404, 'ACL token not found']);
  });

  it('only a management token may create policies and tokens (ACL.UpsertPolicies, UpsertTokens)', async () => {
    const p = await call(sim, 'PUT', '/v1/acl/policy/sneaky', { Name: 'sneaky', Rules: 'node { policy = "write" }' }, as(m.operator.secret));
    expect([p.status, p.text]).toEqual([403, 'Permission denied']);
    const t = await call(sim, 'PUT', '/v1/acl/token', { Name: 'x', Type: 'management' }, as(m.operator.secret));
    expect([t.status, t.text]).toEqual([403, 'Permission denied']);
  });

  it('refuses bad rules and bad tokens with 400 and Nomad\'s validation text', async () => {
    const p = await call(sim, 'PUT', '/v1/acl/policy/bad', { Name: 'bad', Rules: 'namespace "default" { policy = "admin" }' }, as(MGMT));
    expect(p.status).toBe(400);
    expect(p.text).toContain('policy 0 invalid: 1 error occurred:\n\t* failed to parse rules: Invalid namespace policy');
    const t = await call(sim, 'PUT', '/v1/acl/token', { Name: 'x', Type: 'client' }, as(MGMT));
    expect([t.status, t.text]).toEqual([400, 'token 0 invalid: 1 error occurred:\n\t* client token missing policies or roles\n\n']);
    const mismatch = await call(sim, 'PUT', '/v1/acl/policy/a', { Name: 'b', Rules: '' }, as(MGMT));
    expect([mismatch.status, mismatch.text]).toEqual([400, 'ACL policy name does not match request path']);
  });

  it('/v1/acl/policies shows a client token only its own policies, ignores per_page, filter and next_token (acl_endpoint.go ListPolicies)', async () => {
    const all = await get(MGMT, '/v1/acl/policies');
    expect(all.json.map((p: { Name: string }) => p.Name)).toEqual(['matrix-node-read', 'matrix-operator', 'matrix-read-only', 'quota', 'staging', 'vars']);
    const mine = await get(m.readOnly.secret, '/v1/acl/policies?per_page=1&filter=Name%20%3D%3D%20%22x%22&next_token=zzz');
    expect(mine.json.map((p: { Name: string }) => p.Name)).toEqual(['matrix-read-only']);
    expect(mine.headers.get('x-nomad-nexttoken')).toBeNull();
    expect((await get(MGMT, '/v1/acl/policies?prefix=matrix-o')).json.map((p: { Name: string }) => p.Name)).toEqual(['matrix-operator']);
    expect((await get(m.readOnly.secret, '/v1/acl/policy/matrix-operator')).status).toBe(403);
    expect((await get(m.readOnly.secret, '/v1/acl/policy/matrix-read-only')).json).toMatchObject({ Rules: expect.stringContaining('policy = "read"') });
  });

  it('roles lend their policies to tokens (auth.go resolveACLFromToken)', async () => {
    const role = await call(sim, 'PUT', '/v1/acl/role', { Name: 'node-readers', Policies: [{ Name: 'matrix-node-read' }] }, as(MGMT));
    expect(role.status).toBe(200);
    const t = await call(sim, 'PUT', '/v1/acl/token', { Name: 'by-role', Type: 'client', Roles: [{ Name: 'node-readers' }] }, as(MGMT));
    expect(t.json.Roles).toEqual([{ ID: role.json.ID, Name: 'node-readers' }]);
    expect((await get(t.json.SecretID, '/v1/nodes')).status).toBe(200);
    expect((await get(t.json.SecretID, '/v1/jobs')).status).toBe(403);
    expect((await get(t.json.SecretID, '/v1/acl/policies')).json.map((p: { Name: string }) => p.Name)).toEqual(['matrix-node-read']);
  });

  it('an unknown secret is 403 Permission denied on RPC endpoints and `ACL token not found` where the agent resolves it (http.go ResolveToken)', async () => {
    expect([(await get('nope', '/v1/jobs')).status, (await get('nope', '/v1/jobs')).text]).toEqual([403, 'Permission denied']);
    const self = await get('nope', '/v1/agent/self');
    expect([self.status, self.text]).toEqual([403, 'ACL token not found']);
    const parse = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: 'job "x" {}' }, as('nope'));
    expect([parse.status, parse.text]).toEqual([403, 'ACL token not found']);
    expect((await get('nope', '/v1/acl/token/self')).status).toBe(403);
  });

  it('/v1/regions and /v1/status/leader need no token, and ignore a bad one (regions_endpoint.go, status_endpoint.go)', async () => {
    for (const h of [{}, as('nope')]) {
      expect((await call(sim, 'GET', '/v1/regions', undefined, h)).json).toEqual(['global']);
      expect((await call(sim, 'GET', '/v1/status/leader', undefined, h)).status).toBe(200);
      expect((await call(sim, 'GET', '/v1/status/peers', undefined, h)).status).toBe(200);
    }
  });

  it('a request without a token gets the "anonymous" policy when there is one (structs.AnonymousACLToken)', async () => {
    expect((await call(sim, 'GET', '/v1/nodes')).status).toBe(403);
    await call(sim, 'PUT', '/v1/acl/policy/anonymous', { Name: 'anonymous', Rules: 'node { policy = "read" }' }, as(MGMT));
    try {
      expect((await call(sim, 'GET', '/v1/nodes')).status).toBe(200);
      expect((await call(sim, 'GET', '/v1/jobs')).status).toBe(403);
    } finally {
      await call(sim, 'DELETE', '/v1/acl/policy/anonymous', undefined, as(MGMT));
    }
    expect((await call(sim, 'GET', '/v1/nodes')).status).toBe(403);
  });
});

describe('jobs (nomad/job_endpoint.go)', () => {
  it('List wants list-jobs; namespace=* leaves out namespaces the token cannot list (allowedNSes)', async () => {
    const ids = (r: { json: { Namespace: string; ID: string }[] }) => r.json.map((j) => `${j.Namespace}/${j.ID}`);
    expect(ids(await get(m.readOnly.secret, '/v1/jobs?namespace=*'))).toEqual(['default/batch-report', 'default/web', 'default/win-app']);
    expect(ids(await get(MGMT, '/v1/jobs?namespace=*'))).toContain('staging/api');
    expect(ids(await get('staging-secret', '/v1/jobs?namespace=*'))).toEqual(['staging/api']);
    const denied = await get(m.readOnly.secret, '/v1/jobs?namespace=staging');
    expect([denied.status, denied.text]).toEqual([403, 'Permission denied']);
    expect((await get(m.nodeRead.secret, '/v1/jobs')).status).toBe(403);
    expect((await get(m.nodeRead.secret, '/v1/jobs?namespace=*')).status).toBe(403);
  });

  it('reads want read-job in the request\'s namespace (GetJob, Allocations, Evaluations, Summary, Versions…)', async () => {
    for (const suffix of ['', '/allocations', '/evaluations', '/deployments', '/deployment', '/summary', '/versions', '/scale', '/submission']) {
      expect((await get(m.readOnly.secret, `/v1/job/web${suffix}`)).status, suffix).not.toBe(403);
      const r = await get(m.nodeRead.secret, `/v1/job/web${suffix}`);
      expect([r.status, r.text], suffix).toEqual([403, 'Permission denied']);
    }
    expect((await get(m.readOnly.secret, '/v1/job/api?namespace=staging')).status).toBe(403);
  });

  it('writes want submit-job (Register, Plan, Deregister, Evaluate, Revert, Stable), dispatch-job, scale-job', async () => {
    const job = simpleJob('acl-probe');
    const cases: [string, string, unknown][] = [
      ['PUT', '/v1/jobs', { Job: job }],
      ['PUT', '/v1/job/acl-probe', { Job: job }],
      ['PUT', '/v1/job/acl-probe/plan', { Job: job }],
      ['DELETE', '/v1/job/web', undefined],
      ['PUT', '/v1/job/web/evaluate', undefined],
      ['PUT', '/v1/job/web/revert', { JobID: 'web', JobVersion: 0 }],
      ['PUT', '/v1/job/web/stable', { JobID: 'web', JobVersion: 1, Stable: true }],
      ['PUT', '/v1/job/web/dispatch', {}],
      ['PUT', '/v1/job/web/periodic/force', undefined],
      ['PUT', '/v1/job/web/scale', { Count: 3, Target: { Group: 'web' } }],
    ];
    for (const [method, path, body] of cases) {
      const r = await call(sim, method, path, body, as(m.operator.secret));
      expect([r.status, r.text], `${method} ${path}`).toEqual([403, 'Permission denied']);
    }
    expect((await get(MGMT, '/v1/job/acl-probe')).status).toBe(404);
  });

  it('Register checks submit-job in the namespace the job names, after validation', async () => {
    const r = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('x', { Namespace: 'staging' }) }, as(m.readOnly.secret));
    expect(r.status).toBe(403);
    const invalid = await call(sim, 'PUT', '/v1/jobs', { Job: { ID: 'x', Name: 'x', TaskGroups: [] } }, as(m.readOnly.secret));
    expect([invalid.status, invalid.text]).toEqual([500, expect.stringContaining('Missing job task groups')]);
  });

  it('/v1/jobs/parse wants parse-job or submit-job (JobsParseRequest)', async () => {
    const body = { JobHCL: 'job "x" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n    }\n  }\n}' };
    expect((await call(sim, 'PUT', '/v1/jobs/parse', body, as(m.readOnly.secret))).status).toBe(200);
    expect((await call(sim, 'PUT', '/v1/jobs/parse', body, as(m.nodeRead.secret))).status).toBe(403);
  });

  it('/v1/validate/job checks read-job in the job\'s own namespace, default when unset (Job.Validate ~579)', async () => {
    expect((await call(sim, 'PUT', '/v1/validate/job', { Job: simpleJob('v') }, as(m.readOnly.secret))).status).toBe(200);
    const staged = await call(sim, 'PUT', '/v1/validate/job?namespace=default', { Job: simpleJob('v', { Namespace: 'staging' }) }, as(m.readOnly.secret));
    expect([staged.status, staged.text]).toEqual([403, 'Permission denied']);
    expect((await call(sim, 'PUT', '/v1/validate/job', { Job: simpleJob('v') }, as('staging-secret'))).status).toBe(403);
  });

  it('scale status wants read-job or read-job-scaling (Job.ScaleStatus)', async () => {
    const scaler = await call(sim, 'PUT', '/v1/acl/policy/scaler', { Name: 'scaler', Rules: 'namespace "default" { policy = "scale" }' }, as(MGMT));
    expect(scaler.status).toBe(200);
    const t = (await call(sim, 'PUT', '/v1/acl/token', { Name: 'scaler', Type: 'client', Policies: ['scaler'] }, as(MGMT))).json;
    expect((await get(t.SecretID, '/v1/job/web/scale')).status).toBe(200);
    expect((await get(t.SecretID, '/v1/job/web')).status).toBe(403);
  });
});

describe('allocations (nomad/alloc_endpoint.go, client/alloc_endpoint.go)', () => {
  it('List wants read-job and leaves out unreadable namespaces with namespace=*', async () => {
    const list = await get(m.readOnly.secret, '/v1/allocations?namespace=*');
    expect(list.status).toBe(200);
    expect(new Set(list.json.map((a: { Namespace: string }) => a.Namespace))).toEqual(new Set(['default']));
    expect((await get(m.nodeRead.secret, '/v1/allocations')).status).toBe(403);
  });

  it('GetAlloc hides an allocation the token cannot read behind an uncoded `Unknown allocation` = 500 (~179)', async () => {
    const r = await get(m.readOnly.secret, `/v1/allocation/${stagingAlloc}`);
    expect([r.status, r.text]).toEqual([500, `Unknown allocation "${stagingAlloc}"`]);
    expect((await get('staging-secret', `/v1/allocation/${stagingAlloc}`)).status).toBe(200);
    // the request's namespace does not matter, the allocation's does
    expect((await get('staging-secret', `/v1/allocation/${stagingAlloc}?namespace=default`)).status).toBe(200);
  });

  it('stop, restart and signal want alloc-lifecycle in the allocation\'s namespace; stats wants read-job', async () => {
    for (const [method, path, body] of [
      ['PUT', `/v1/allocation/${webAlloc}/stop`, undefined],
      ['PUT', `/v1/client/allocation/${webAlloc}/restart`, {}],
      ['PUT', `/v1/client/allocation/${webAlloc}/signal`, { Signal: 'SIGHUP' }],
    ] as const) {
      const r = await call(sim, method, path, body, as(m.readOnly.secret));
      expect([r.status, r.text], path).toEqual([403, 'Permission denied']);
    }
    expect((await call(sim, 'PUT', `/v1/client/allocation/${webAlloc}/restart`, {}, as(m.operator.secret))).status).toBe(200);
    expect((await call(sim, 'PUT', `/v1/client/allocation/${webAlloc}/signal`, { Signal: 'SIGHUP' }, as(m.operator.secret))).status).toBe(200);
    expect((await get(m.readOnly.secret, `/v1/client/allocation/${webAlloc}/stats`)).status).toBe(200);
    expect((await get(m.nodeRead.secret, `/v1/client/allocation/${webAlloc}/stats`)).status).toBe(403);
    expect((await call(sim, 'PUT', `/v1/client/allocation/${stagingAlloc}/restart`, {}, as(m.operator.secret))).status).toBe(403);
  });

  it('logs want read-logs or read-fs and answer 500 Permission denied without (client_fs_endpoint.go ~401)', async () => {
    const path = `/v1/client/fs/logs/${webAlloc}?task=server&type=stdout&origin=end&offset=100&plain=true`;
    const denied = await get(m.readOnly.secret, path);
    expect([denied.status, denied.text]).toEqual([500, 'Permission denied']);
    expect((await get(m.operator.secret, path)).status).toBe(200);
    const unknown = await get(m.readOnly.secret, '/v1/client/fs/logs/nope?task=server&type=stdout');
    expect([unknown.status, unknown.text]).toEqual([404, 'Unknown allocation "nope"']);
    const badToken = await get('nope', path);
    expect([badToken.status, badToken.text]).toEqual([500, 'Permission denied']);
    const fsOnly = await call(sim, 'PUT', '/v1/acl/policy/fs-only', { Name: 'fs-only', Rules: 'namespace "default" { capabilities = ["read-fs"] }' }, as(MGMT));
    expect(fsOnly.status).toBe(200);
    const t = (await call(sim, 'PUT', '/v1/acl/token', { Name: 'fs', Type: 'client', Policies: ['fs-only'] }, as(MGMT))).json;
    expect((await get(t.SecretID, path)).status).toBe(200);
  });
});

describe('evaluations and deployments (eval_endpoint.go, deployment_endpoint.go)', () => {
  it('lists want read-job and filter namespace=*', async () => {
    for (const list of ['/v1/evaluations', '/v1/deployments']) {
      const r = await get(m.readOnly.secret, `${list}?namespace=*`);
      expect(r.status).toBe(200);
      expect(r.json.every((x: { Namespace: string }) => x.Namespace === 'default'), list).toBe(true);
      expect((await get(m.nodeRead.secret, list)).status).toBe(403);
    }
  });

  it('GetEval of another namespace is 403; GetDeployment of another namespace is hidden as not found', async () => {
    const ev = await get(m.readOnly.secret, `/v1/evaluation/${stagingEval}`);
    expect([ev.status, ev.text]).toEqual([403, 'Permission denied']);
    const d = await get(m.readOnly.secret, `/v1/deployment/${stagingDeployment}`);
    expect([d.status, d.text]).toEqual([404, 'deployment not found']);
    expect((await get('staging-secret', `/v1/deployment/${stagingDeployment}`)).status).toBe(403);
    expect((await get('staging-secret', `/v1/deployment/${stagingDeployment}?namespace=staging`)).status).toBe(200);
  });

  it('deployment actions want submit-job in the deployment\'s namespace', async () => {
    const r = await call(sim, 'PUT', `/v1/deployment/pause/${stagingDeployment}`, { DeploymentID: stagingDeployment, Pause: true }, as('staging-secret'));
    expect([r.status, r.text]).toEqual([403, 'Permission denied']);
  });
});

describe('nodes, agent, namespaces (node_endpoint.go, agent_endpoint.go, namespace_endpoint.go)', () => {
  it('node reads want node:read, writes node:write', async () => {
    expect((await get(m.nodeRead.secret, '/v1/nodes')).status).toBe(200);
    expect((await get(m.nodeRead.secret, `/v1/node/${nodeID}`)).status).toBe(200);
    for (const s of [m.readOnly.secret, m.operator.secret]) {
      expect((await get(s, '/v1/nodes')).status).toBe(403);
      expect((await get(s, `/v1/node/${nodeID}`)).status).toBe(403);
    }
    const drain = await call(sim, 'PUT', `/v1/node/${nodeID}/drain`, { DrainSpec: null }, as(m.nodeRead.secret));
    expect([drain.status, drain.text]).toEqual([403, 'Permission denied']);
    const elig = await call(sim, 'PUT', `/v1/node/${nodeID}/eligibility`, { Eligibility: 'ineligible' }, as(m.nodeRead.secret));
    expect(elig.status).toBe(403);
  });

  it('a node\'s allocations want node:read and leave out those the token cannot read (GetAllocs ~1096)', async () => {
    const withAllocs = (await get(MGMT, `/v1/allocations?namespace=*`)).json.find((a: { ClientStatus: string }) => a.ClientStatus === 'running').NodeID;
    expect((await get(MGMT, `/v1/node/${withAllocs}/allocations`)).json.length).toBeGreaterThan(0);
    const r = await get(m.nodeRead.secret, `/v1/node/${withAllocs}/allocations`);
    expect([r.status, r.json]).toEqual([200, []]);
  });

  it('/v1/agent/self wants agent:read; /v1/agent/members node:read', async () => {
    for (const s of [m.readOnly.secret, m.operator.secret, m.nodeRead.secret]) {
      const r = await get(s, '/v1/agent/self');
      expect([r.status, r.text]).toEqual([403, 'Permission denied']);
    }
    expect((await get(MGMT, '/v1/agent/self')).json.config.ACL.Enabled).toBe(true);
    expect((await get(m.nodeRead.secret, '/v1/agent/members')).status).toBe(200);
    expect((await get(m.operator.secret, '/v1/agent/members')).status).toBe(403);
  });

  it('/v1/namespaces shows only namespaces the token has a capability in; /v1/namespace/:name 403 otherwise', async () => {
    expect((await get(m.readOnly.secret, '/v1/namespaces')).json.map((n: { Name: string }) => n.Name)).toEqual(['default']);
    expect((await get(m.nodeRead.secret, '/v1/namespaces')).json).toEqual([]);
    expect((await get(MGMT, '/v1/namespaces')).json.map((n: { Name: string }) => n.Name)).toEqual(['default', 'staging']);
    expect((await get(m.readOnly.secret, '/v1/namespace/default')).status).toBe(200);
    expect((await get(m.readOnly.secret, '/v1/namespace/staging')).status).toBe(403);
  });
});

describe('variables (nomad/variables_endpoint.go)', () => {
  it('read, write and destroy follow the path rules; the list leaves out paths the token may not list', async () => {
    expect((await get(m.readOnly.secret, '/v1/var/nomad-mcp/configs/web')).status).toBe(403);
    expect((await get(m.readOnly.secret, '/v1/vars')).json).toEqual([]);
    expect((await get('vars-secret', '/v1/var/nomad-mcp/configs/web')).json.Items).toMatchObject({ job_id: 'web' });
    expect((await get('vars-secret', '/v1/vars')).json.map((v: { Path: string }) => v.Path)).toEqual(['nomad-mcp/configs/web']);
    const put = await call(sim, 'PUT', '/v1/var/nomad-mcp/configs/new', { Items: { a: 'b' } }, as('vars-secret'));
    expect([put.status, put.text]).toEqual([403, 'Permission denied']);
    const del = await call(sim, 'DELETE', '/v1/var/nomad-mcp/configs/web', undefined, as('vars-secret'));
    expect(del.status).toBe(403);
    expect((await get('vars-secret', '/v1/var/other/x')).status).toBe(403);
  });

  it('a CAS conflict shows a writer who may not read only the metadata (makeVariablesApplyResponse)', async () => {
    await call(sim, 'PUT', '/v1/acl/policy/var-writer', { Name: 'var-writer', Rules: 'namespace "default" {\n variables {\n  path "w/*" { capabilities = ["write"] }\n }\n}' }, as(MGMT));
    const w = (await call(sim, 'PUT', '/v1/acl/token', { Name: 'w', Type: 'client', Policies: ['var-writer'] }, as(MGMT))).json.SecretID;
    expect((await call(sim, 'PUT', '/v1/var/w/x', { Items: { secret: 's3' } }, as(w))).status).toBe(200);
    const conflict = await call(sim, 'PUT', '/v1/var/w/x?cas=1', { Items: { secret: 'other' } }, as(w));
    expect(conflict.status).toBe(409);
    expect(conflict.json).toMatchObject({ Path: 'w/x', Items: null });
    expect((await call(sim, 'PUT', '/v1/var/w/x?cas=1', { Items: { a: 'b' } }, as(MGMT))).json.Items).toEqual({ secret: 's3' });
  });
});

describe('event stream (nomad/event_endpoint.go validateACL ~246)', () => {
  async function stream(secret: string, query: string): Promise<{ status: number; text: string }> {
    const ac = new AbortController();
    const res = await fetch(`${sim.url}/v1/event/stream${query}`, { headers: as(secret), signal: ac.signal });
    const text = res.status === 200 ? await readUntil(res, (t) => t.includes('{}'), 2000) : await res.text();
    ac.abort();
    return { status: res.status, text };
  }

  it('topic * (the default) needs a management token', async () => {
    expect(await stream(m.readOnly.secret, '')).toEqual({ status: 403, text: 'Permission denied' });
    expect((await stream(MGMT, '')).status).toBe(200);
  });

  it('job topics need read-job, Node topics node:read; one unreadable topic makes the whole stream 403', async () => {
    expect((await stream(m.readOnly.secret, '?topic=Job&topic=Allocation')).status).toBe(200);
    expect((await stream(m.readOnly.secret, '?topic=Job&topic=Node')).status).toBe(403);
    expect((await stream(m.nodeRead.secret, '?topic=Node')).status).toBe(200);
    expect((await stream(m.nodeRead.secret, '?topic=Job')).status).toBe(403);
  });

  it('namespace=* needs read-job in every namespace', async () => {
    expect((await stream(m.readOnly.secret, '?topic=Job&namespace=*')).status).toBe(403);
    expect((await stream(MGMT, '?topic=Job&namespace=*')).status).toBe(200);
  });
});

describe('search (nomad/search_endpoint.go)', () => {
  it('fuzzy search refuses a named context the token cannot read and leaves out the others', async () => {
    const nodes = await call(sim, 'POST', '/v1/search/fuzzy', { Text: 'nomad', Context: 'nodes' }, as(m.readOnly.secret));
    expect([nodes.status, nodes.text]).toEqual([403, 'Permission denied']);
    const all = await call(sim, 'POST', '/v1/search/fuzzy', { Text: 'ap', Context: 'all', Namespace: '*' }, as(m.readOnly.secret));
    expect(all.status).toBe(200);
    expect(JSON.stringify(all.json.Matches)).not.toContain('staging');
    const mgmt = await call(sim, 'POST', '/v1/search/fuzzy', { Text: 'ap', Context: 'all', Namespace: '*' }, as(MGMT));
    expect(JSON.stringify(mgmt.json.Matches)).toContain('staging');
  });
});

/**
 * Every route of the simulator's router with a token that holds no capability it needs (a quota rule
 * only): each refuses as Nomad does, and only the three open endpoints answer.
 */
describe('every route checks its capability', () => {
  const routes: [string, () => string, unknown?][] = [
    ['GET', () => '/v1/jobs'],
    ['PUT', () => '/v1/jobs', { Job: simpleJob('r') }],
    ['PUT', () => '/v1/jobs/parse', { JobHCL: 'job "x" {}' }],
    ['PUT', () => '/v1/validate/job', { Job: simpleJob('r') }],
    ['GET', () => '/v1/job/web'],
    ['PUT', () => '/v1/job/web/plan', { Job: simpleJob('web') }],
    ['GET', () => '/v1/allocations'],
    ['PUT', () => `/v1/allocation/${webAlloc}/stop`],
    ['GET', () => `/v1/client/allocation/${webAlloc}/stats`],
    ['GET', () => '/v1/evaluations'],
    ['GET', () => `/v1/evaluation/${stagingEval}`],
    ['GET', () => '/v1/deployments'],
    ['GET', () => `/v1/deployment/${stagingDeployment}`],
    ['GET', () => '/v1/nodes'],
    ['GET', () => `/v1/node/${nodeID}`],
    ['GET', () => '/v1/namespace/default'],
    ['GET', () => '/v1/var/nomad-mcp/configs/web'],
    ['GET', () => '/v1/agent/self'],
    ['GET', () => '/v1/agent/members'],
    ['GET', () => '/v1/acl/tokens'],
    ['GET', () => '/v1/event/stream?topic=Job'],
    ['GET', () => '/v1/search?prefix=w&context=jobs'],
    ['POST', () => '/v1/search/fuzzy', { Text: 'web', Context: 'jobs' }],
  ];
  it.each(routes.map(([method, path, body]) => [method, path, body] as const))('%s %s → 403 Permission denied', async (method, path, body) => {
    const r = await call(sim, method, path(), body, as('nothing-secret'));
    expect([r.status, r.text]).toEqual([403, 'Permission denied']);
  });

  it('and the special answers: allocation 500 Unknown allocation, logs 500, lists empty', async () => {
    const a = await get('nothing-secret', `/v1/allocation/${webAlloc}`);
    expect([a.status, a.text]).toEqual([500, `Unknown allocation "${webAlloc}"`]);
    const logs = await get('nothing-secret', `/v1/client/fs/logs/${webAlloc}?task=server&type=stdout`);
    expect([logs.status, logs.text]).toEqual([500, 'Permission denied']);
    for (const list of ['/v1/namespaces', '/v1/vars', '/v1/acl/policies']) expect((await get('nothing-secret', list)).json, list).toEqual(list === '/v1/acl/policies' ? [expect.objectContaining({ Name: 'quota' })] : []);
    for (const open of ['/v1/regions', '/v1/status/leader', '/v1/status/peers']) expect((await get('nothing-secret', open)).status, open).toBe(200);
  });
});
