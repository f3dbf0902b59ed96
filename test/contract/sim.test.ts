/**
 * The simulator answers in Nomad's shapes: every endpoint of the contract is called on a running
 * simulator (demo seed, management token), and every field of every answer must exist in Nomad's
 * client type for that endpoint with a compatible JSON type. A field the simulator invents fails;
 * an optional field it leaves out is fine.
 */
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_SCENARIOS, type Simulator } from '../../src/sim/index.js';
import { call, simpleJob, splitFrames, start } from '../sim/helpers.js';
import { checkValue, contract, endpointFor, responseDesc } from './contract.js';

const TOKEN = 'contract-management-token';
const H = { 'X-Nomad-Token': TOKEN };

interface Ids {
  node: string;
  alloc: string;
  eval: string;
  deployment: string;
}

type Step = (sim: Simulator, ids: Ids) => Promise<{ path: string; status: number; body: unknown[] | 'empty' | 'bytes' }>;

/** One JSON call; the answer's body as a one-element list (streams give one element per object). */
function req(method: string, path: string | ((ids: Ids) => string), body?: unknown | ((ids: Ids) => unknown)): Step {
  return async (sim, ids) => {
    const p = typeof path === 'function' ? path(ids) : path;
    const b = typeof body === 'function' ? (body as (ids: Ids) => unknown)(ids) : body;
    const r = await call(sim, method, p, b, H);
    return { path: p, status: r.status, body: r.status === 204 ? 'empty' : [r.json] };
  };
}

/** A streaming GET read for a moment: each JSON object it sent. */
function stream(path: string | ((ids: Ids) => string), split: (text: string) => unknown[]): Step {
  return async (sim, ids) => {
    const p = typeof path === 'function' ? path(ids) : path;
    const ac = new AbortController();
    const res = await fetch(sim.url + p, { headers: H, signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    // the first chunks hold the objects this test needs; then stop reading (heartbeats follow)
    for (let i = 0; i < 4; i++) {
      const timer = setTimeout(() => ac.abort(), 1500);
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        break;
      } finally {
        clearTimeout(timer);
      }
      if (chunk.done) break;
      text += Buffer.from(chunk.value).toString('utf8');
      if (split(text).length > 1) break;
    }
    ac.abort();
    return { path: p, status: res.status, body: split(text) };
  };
}

/** The exec websocket (echo in the task): every JSON frame until the connection drops after the exit frame. */
function exec(command: string[]): Step {
  return async (sim, ids) => {
    const p = `/v1/client/allocation/${ids.alloc}/exec?task=server&tty=false&command=${encodeURIComponent(JSON.stringify(command))}`;
    const ws = new WebSocket(sim.url.replace(/^http/, 'ws') + p, { headers: H });
    const frames: unknown[] = [];
    let status = 0;
    ws.on('upgrade', (res) => (status = res.statusCode ?? 0));
    ws.on('open', () => ws.send(JSON.stringify({ stdin: { close: true } })));
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.on('close', resolve));
    // a 101 upgrade is the success of a websocket
    return { path: p.split('?')[0], status: status === 101 ? 200 : status, body: frames };
  };
}

/** The agent monitor while a request is logged at DEBUG: the frames up to the first with data. */
function monitor(): Step {
  return async (sim) => {
    const p = '/v1/agent/monitor?log_level=debug';
    const ac = new AbortController();
    const res = await fetch(sim.url + p, { headers: H, signal: ac.signal });
    const reader = res.body!.getReader();
    await call(sim, 'GET', '/v1/status/leader', undefined, H);
    let text = '';
    while (!splitFrames(text).some((f) => (f as { Data?: string }).Data)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += Buffer.from(chunk.value).toString('utf8');
    }
    ac.abort();
    return { path: p.split('?')[0], status: res.status, body: splitFrames(text) };
  };
}

/** Creates what a read needs (with the management token), then reads: `make` answers the path to read. */
function after(make: (sim: Simulator, ids: Ids) => Promise<string>): Step {
  return async (sim, ids) => req('GET', await make(sim, ids))(sim, ids);
}

/** The JSON of a management call that must succeed. */
async function ok<T>(sim: Simulator, method: string, path: string, body?: unknown): Promise<T> {
  const r = await call(sim, method, path, body, H);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
  return r.json as T;
}

/**
 * Enterprise endpoints: Nomad Community Edition answers 501 "Nomad Enterprise only endpoint"
 * (command/agent/http_ce.go); the contract still says what Enterprise answers, for the tools.
 */
const ENTERPRISE = new Set(['GET /v1/quotas', 'GET /v1/quota/:name']);

const lines = (text: string) => text.split('\n').filter((l) => l.trim()).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });

const periodic = simpleJob('contract-periodic', { Type: 'batch', Periodic: { Enabled: true, Spec: '*/5 * * * *', SpecType: 'cron' } });
const parameterized = simpleJob('contract-param', { Type: 'batch', ParameterizedJob: { Payload: 'optional', MetaOptional: ['who'] } });
const task = (image: string) => ({ Tasks: [{ Name: 't', Driver: 'docker', Config: { image }, Resources: { CPU: 100, MemoryMB: 128 } }] });
const canary = (image: string) => simpleJob('contract-canary', { Update: { MaxParallel: 1, Canary: 1 } }, task(image));
const rolling = (image: string) => simpleJob('contract-rolling', { Update: { MaxParallel: 1 } }, { Count: 5, ...task(image) });

/** Single sign-on on the simulator: a JWT auth method with a static key, a binding rule, a login with a JWT signed by it. */
const sso = generateKeyPair('RS256');
const authMethod = async () => ({
  Name: 'contract-sso',
  Type: 'JWT',
  TokenLocality: 'local',
  MaxTokenTTL: '1h',
  Config: { JWTValidationPubKeys: [await exportSPKI((await sso).publicKey)], BoundAudiences: ['contract'], ListClaimMappings: { groups: 'groups' } },
});
const loginToken = async () =>
  new SignJWT({ sub: 'contract-user', groups: ['ops'] }).setProtectedHeader({ alg: 'RS256' }).setAudience('contract').setIssuedAt().setExpirationTime('5m').sign((await sso).privateKey);

/** Each contract endpoint, called in this order (some set up what later ones read). */
const STEPS: [string, Step][] = [
  ['GET /v1/status/leader', req('GET', '/v1/status/leader')],
  ['GET /v1/status/peers', req('GET', '/v1/status/peers')],
  ['GET /v1/regions', req('GET', '/v1/regions')],
  ['GET /v1/agent/self', req('GET', '/v1/agent/self')],
  ['GET /v1/agent/members', req('GET', '/v1/agent/members')],
  ['GET /v1/acl/token/self', req('GET', '/v1/acl/token/self')],
  ['GET /v1/acl/policies', req('GET', '/v1/acl/policies')],
  ['PUT /v1/acl/auth-method', async (sim, ids) => req('PUT', '/v1/acl/auth-method', await authMethod())(sim, ids)],
  ['PUT /v1/acl/binding-rule', async (sim, ids) => {
    await call(sim, 'POST', '/v1/acl/policy/contract-ops', { Name: 'contract-ops', Rules: 'namespace "default" { policy = "read" }' }, H);
    return req('PUT', '/v1/acl/binding-rule', { AuthMethod: 'contract-sso', Selector: '"ops" in list.groups', BindType: 'policy', BindName: 'contract-ops' })(sim, ids);
  }],
  ['POST /v1/acl/login', async (sim, ids) => req('POST', '/v1/acl/login', { AuthMethodName: 'contract-sso', LoginToken: await loginToken() })(sim, ids)],
  ['GET /v1/acl/policy/:name', after(async (sim) => {
    await ok(sim, 'PUT', '/v1/acl/policy/contract', { Name: 'contract', Description: 'contract reads', Rules: 'operator {\n  policy = "read"\n}' });
    return '/v1/acl/policy/contract';
  })],
  ['GET /v1/acl/tokens', req('GET', '/v1/acl/tokens')],
  ['GET /v1/acl/token/:id', after(async (sim) => {
    const t = await ok<{ AccessorID: string }>(sim, 'PUT', '/v1/acl/token', { Name: 'contract', Type: 'client', Policies: ['contract'] });
    return `/v1/acl/token/${t.AccessorID}`;
  })],
  ['GET /v1/acl/roles', after(async (sim) => {
    await ok(sim, 'PUT', '/v1/acl/role', { Name: 'contract-role', Policies: [{ Name: 'contract' }] });
    return '/v1/acl/roles';
  })],
  ['GET /v1/acl/role/:id', after(async (sim) => `/v1/acl/role/${(await ok<{ ID: string }[]>(sim, 'GET', '/v1/acl/roles'))[0].ID}`)],
  // the auth method and the binding rule the steps above created
  ['GET /v1/acl/auth-methods', req('GET', '/v1/acl/auth-methods')],
  ['GET /v1/acl/auth-method/:name', req('GET', '/v1/acl/auth-method/contract-sso')],
  ['GET /v1/acl/binding-rules', req('GET', '/v1/acl/binding-rules')],
  ['GET /v1/acl/binding-rule/:id', after(async (sim) => `/v1/acl/binding-rule/${(await ok<{ ID: string }[]>(sim, 'GET', '/v1/acl/binding-rules'))[0].ID}`)],
  ['GET /v1/operator/autopilot/health', req('GET', '/v1/operator/autopilot/health')],
  ['GET /v1/operator/raft/configuration', req('GET', '/v1/operator/raft/configuration')],
  ['GET /v1/operator/scheduler/configuration', req('GET', '/v1/operator/scheduler/configuration')],
  ['GET /v1/quotas', req('GET', '/v1/quotas')],
  ['GET /v1/quota/:name', req('GET', '/v1/quota/default')],
  ['GET /v1/scaling/policies', after(async (sim) => {
    await ok(sim, 'PUT', '/v1/jobs', { Job: simpleJob('contract-scaled', {}, { Scaling: { Min: 1, Max: 4, Enabled: true, Policy: { cooldown: '1m' } } }) });
    return '/v1/scaling/policies';
  })],
  ['GET /v1/scaling/policy/:id', after(async (sim) => `/v1/scaling/policy/${(await ok<{ ID: string }[]>(sim, 'GET', '/v1/scaling/policies'))[0].ID}`)],
  ['GET /v1/namespaces', req('GET', '/v1/namespaces')],
  ['GET /v1/namespace/:name', req('GET', '/v1/namespace/staging')],
  ['GET /v1/jobs', req('GET', '/v1/jobs?namespace=*')],
  ['GET /v1/job/:id', req('GET', '/v1/job/web')],
  ['GET /v1/job/:id/versions', req('GET', '/v1/job/web/versions?diffs=true')],
  ['GET /v1/job/:id/submission', async (sim, ids) => {
    await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('contract-sub'), Submission: { Source: 'job "contract-sub" {}', Format: 'hcl2', VariableFlags: { a: '1' } } }, H);
    return req('GET', '/v1/job/contract-sub/submission?version=0')(sim, ids);
  }],
  ['GET /v1/job/:id/allocations', req('GET', '/v1/job/web/allocations')],
  ['GET /v1/job/:id/evaluations', req('GET', '/v1/job/win-app/evaluations')],
  ['GET /v1/job/:id/deployments', req('GET', '/v1/job/web/deployments')],
  ['GET /v1/job/:id/deployment', req('GET', '/v1/job/web/deployment')],
  ['GET /v1/job/:id/summary', req('GET', '/v1/job/web/summary')],
  ['GET /v1/job/:id/scale', req('GET', '/v1/job/web/scale')],
  ['GET /v1/allocations', req('GET', '/v1/allocations?namespace=*')],
  ['GET /v1/allocation/:id', req('GET', (ids) => `/v1/allocation/${ids.alloc}`)],
  ['GET /v1/client/allocation/:id/stats', req('GET', (ids) => `/v1/client/allocation/${ids.alloc}/stats`)],
  ['GET /v1/client/allocation/:id/checks', req('GET', (ids) => `/v1/client/allocation/${ids.alloc}/checks`)],
  ['GET /v1/client/allocation/:id/exec', exec(['echo', 'hello'])],
  ['GET /v1/client/fs/logs/:id', stream((ids) => `/v1/client/fs/logs/${ids.alloc}?task=server&type=stdout&origin=end&offset=2000`, splitFrames)],
  ['GET /v1/client/fs/ls/:id', req('GET', (ids) => `/v1/client/fs/ls/${ids.alloc}?path=alloc/logs`)],
  ['GET /v1/client/fs/stat/:id', req('GET', (ids) => `/v1/client/fs/stat/${ids.alloc}?path=alloc/logs/server.stdout.0`)],
  ['GET /v1/client/fs/readat/:id', async (sim, ids) => {
    const p = `/v1/client/fs/readat/${ids.alloc}?path=alloc/logs/server.stdout.0&offset=0&limit=200`;
    const res = await fetch(sim.url + p, { headers: H });
    const text = await res.text();
    // the file's bytes, not JSON (api/fs.go ReadAt hands back the body)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.length).toBe(200);
    return { path: p, status: res.status, body: 'bytes' };
  }],
  ['GET /v1/client/stats', req('GET', (ids) => `/v1/client/stats?node_id=${ids.node}`)],
  ['GET /v1/client/metadata', req('GET', (ids) => `/v1/client/metadata?node_id=${ids.node}`)],
  ['GET /v1/services', req('GET', '/v1/services?namespace=*')],
  ['GET /v1/service/:name', req('GET', '/v1/service/web')],
  ['GET /v1/node/pools', req('GET', '/v1/node/pools')],
  ['GET /v1/node/pool/:name', req('GET', '/v1/node/pool/default')],
  ['GET /v1/volumes?type=csi', req('GET', '/v1/volumes?type=csi')],
  ['GET /v1/volumes?type=host', req('GET', '/v1/volumes?type=host')],
  // reports-db has a write claim: WriteAllocs carries the full allocation
  ['GET /v1/volume/csi/:id', req('GET', '/v1/volume/csi/reports-db')],
  ['GET /v1/volume/host/:id', async (sim, ids) => {
    const [v] = (await call(sim, 'GET', '/v1/volumes?type=host', undefined, H)).json as { ID: string }[];
    return req('GET', `/v1/volume/host/${v.ID}`)(sim, ids);
  }],
  ['GET /v1/plugins', req('GET', '/v1/plugins?type=csi')],
  ['GET /v1/plugin/csi/:id', req('GET', '/v1/plugin/csi/aws-ebs0')],
  ['GET /v1/evaluations', req('GET', '/v1/evaluations')],
  ['GET /v1/evaluation/:id', req('GET', (ids) => `/v1/evaluation/${ids.eval}`)],
  ['GET /v1/deployments', req('GET', '/v1/deployments')],
  ['GET /v1/deployment/:id', req('GET', (ids) => `/v1/deployment/${ids.deployment}`)],
  ['GET /v1/deployment/allocations/:id', req('GET', (ids) => `/v1/deployment/allocations/${ids.deployment}`)],
  ['GET /v1/nodes', req('GET', '/v1/nodes')],
  ['GET /v1/node/:id', req('GET', (ids) => `/v1/node/${ids.node}`)],
  ['GET /v1/node/:id/allocations', req('GET', (ids) => `/v1/node/${ids.node}/allocations`)],
  ['GET /v1/vars', req('GET', '/v1/vars')],
  ['GET /v1/var/:path*', req('GET', '/v1/var/nomad-mcp/configs/web')],
  ['POST /v1/search/fuzzy', req('POST', '/v1/search/fuzzy', { Text: 'we', Context: 'all' })],
  ['PUT /v1/jobs/parse', req('PUT', '/v1/jobs/parse', { JobHCL: 'job "p" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n      config { image = "busybox:1" }\n    }\n  }\n}\n', Canonicalize: true })],
  ['PUT /v1/validate/job', req('PUT', '/v1/validate/job', { Job: simpleJob('contract-a') })],
  ['PUT /v1/job/:id/plan', req('PUT', '/v1/job/contract-a/plan', { Job: simpleJob('contract-a'), Diff: true })],
  ['PUT /v1/jobs', req('PUT', '/v1/jobs', { Job: simpleJob('contract-a') })],
  ['PUT /v1/job/:id/evaluate', req('PUT', '/v1/job/web/evaluate', { JobID: 'web', EvalOptions: { ForceReschedule: true } })],
  // a batch job: a service job with a running deployment refuses scaling (as Nomad does)
  ['PUT /v1/job/:id/scale', req('PUT', '/v1/job/batch-report/scale', { Count: 2, Target: { Group: 'report' }, Message: 'contract' })],
  ['PUT /v1/job/:id/stable', req('PUT', '/v1/job/web/stable', { JobID: 'web', JobVersion: 1, Stable: true })],
  ['PUT /v1/job/:id/revert', req('PUT', '/v1/job/web/revert', { JobID: 'web', JobVersion: 0 })],
  ['PUT /v1/job/:id/periodic/force', async (sim, ids) => {
    await call(sim, 'PUT', '/v1/jobs', { Job: periodic }, H);
    return req('PUT', '/v1/job/contract-periodic/periodic/force')(sim, ids);
  }],
  ['PUT /v1/job/:id/dispatch', async (sim, ids) => {
    await call(sim, 'PUT', '/v1/jobs', { Job: parameterized }, H);
    return req('PUT', '/v1/job/contract-param/dispatch', { Payload: Buffer.from('hi').toString('base64'), Meta: { who: 'contract' } })(sim, ids);
  }],
  ['DELETE /v1/job/:id', req('DELETE', '/v1/job/contract-a')],
  ['PUT /v1/client/allocation/:id/restart', req('PUT', (ids) => `/v1/client/allocation/${ids.alloc}/restart`, { TaskName: 'server' })],
  ['PUT /v1/client/allocation/:id/signal', req('PUT', (ids) => `/v1/client/allocation/${ids.alloc}/signal`, { Signal: 'SIGHUP', Task: 'server' })],
  ['PUT /v1/allocation/:id/stop', req('PUT', (ids) => `/v1/allocation/${ids.alloc}/stop`)],
  ['PUT /v1/deployment/promote/:id', async (sim, ids) => {
    // a canary deployment waits for promotion once its canary is healthy
    await call(sim, 'PUT', '/v1/jobs', { Job: canary('busybox:1') }, H);
    await call(sim, 'PUT', '/v1/jobs', { Job: canary('busybox:2') }, H);
    let d: { ID: string; TaskGroups: Record<string, { HealthyAllocs: number }> } | undefined;
    for (let i = 0; i < 200 && !(d && d.TaskGroups.g.HealthyAllocs > 0); i++) {
      if (d) await new Promise((r) => setTimeout(r, 25));
      d = (await call(sim, 'GET', '/v1/job/contract-canary/deployment', undefined, H)).json;
    }
    return req('PUT', `/v1/deployment/promote/${d!.ID}`, { DeploymentID: d!.ID, All: true })(sim, ids);
  }],
  ['PUT /v1/deployment/pause/:id', async (sim, ids) => {
    // five allocations one at a time: the deployment is still running when it is paused
    await call(sim, 'PUT', '/v1/jobs', { Job: rolling('busybox:1') }, H);
    await call(sim, 'PUT', '/v1/jobs', { Job: rolling('busybox:2') }, H);
    ids.deployment = ((await call(sim, 'GET', '/v1/job/contract-rolling/deployment', undefined, H)).json as { ID: string }).ID;
    return req('PUT', `/v1/deployment/pause/${ids.deployment}`, { DeploymentID: ids.deployment, Pause: true })(sim, ids);
  }],
  // the paused deployment is still active: Nomad OSS answers a zero update (deploymentwatcher/multiregion_ce.go)
  ['PUT /v1/deployment/unblock/:id', req('PUT', (ids) => `/v1/deployment/unblock/${ids.deployment}`, (ids: Ids) => ({ DeploymentID: ids.deployment }))],
  ['PUT /v1/deployment/allocation-health/:id', async (sim, ids) => {
    const allocs = await ok<{ ID: string }[]>(sim, 'GET', `/v1/deployment/allocations/${ids.deployment}`);
    return req('PUT', `/v1/deployment/allocation-health/${ids.deployment}`, { DeploymentID: ids.deployment, HealthyAllocationIDs: [allocs[0].ID] })(sim, ids);
  }],
  ['PUT /v1/deployment/fail/:id', req('PUT', (ids) => `/v1/deployment/fail/${ids.deployment}`, (ids: Ids) => ({ DeploymentID: ids.deployment }))],
  ['PUT /v1/node/:id/eligibility', req('PUT', (ids) => `/v1/node/${ids.node}/eligibility`, { Eligibility: 'ineligible' })],
  ['PUT /v1/node/:id/drain', req('PUT', (ids) => `/v1/node/${ids.node}/drain`, { DrainSpec: { Deadline: 3_600_000_000_000, IgnoreSystemJobs: false }, MarkEligible: false })],
  ['PUT /v1/var/:path*', req('PUT', '/v1/var/contract/x', { Items: { a: '1' } })],
  ['DELETE /v1/var/:path*', req('DELETE', '/v1/var/contract/x')],
  ['GET /v1/agent/monitor', monitor()],
  ['GET /v1/event/stream', stream('/v1/event/stream?index=1&topic=Job', lines)],
];

describe(`simulator ↔ Nomad ${contract.nomadVersion} client types`, () => {
  let sim: Simulator;
  const ids = {} as Ids;

  beforeAll(async () => {
    // short deployments, so that a canary turns healthy while the test waits for it
    sim = await start({ seed: 'demo', aclTokens: [TOKEN], heartbeatMs: 200, deploymentMs: 300, scenarios: DEMO_SCENARIOS });
    const get = async <T>(p: string) => (await call(sim, 'GET', p, undefined, H)).json as T;
    ids.node = (await get<{ ID: string }[]>('/v1/nodes'))[0].ID;
    const allocs = await get<{ ID: string; ClientStatus: string }[]>('/v1/job/web/allocations');
    ids.alloc = allocs.find((a) => a.ClientStatus === 'running')!.ID;
    ids.eval = (await get<{ ID: string }[]>('/v1/job/win-app/evaluations'))[0].ID;
    ids.deployment = (await get<{ ID: string }>('/v1/job/web/deployment')).ID;
  });
  afterAll(() => sim?.close());

  it('calls every endpoint of the contract, and only those', () => {
    expect(STEPS.map(([k]) => k).sort()).toEqual(Object.keys(contract.endpoints).sort());
  });

  it.each(STEPS)('%s answers in Nomad\'s shape', async (key, run) => {
    const { path, status, body } = await run(sim, ids);
    const method = key.split(' ')[0];
    expect(endpointFor(method, path)).toBe(key);
    if (ENTERPRISE.has(key)) {
      expect({ status, body }).toEqual({ status: 501, body: [undefined] });
      return;
    }
    expect(status, `${key} → ${path}: ${JSON.stringify(body).slice(0, 300)}`).toBeLessThan(300);
    const desc = responseDesc(key);
    if (!desc) {
      expect(body).toBe(contract.endpoints[key] === 'bytes' ? 'bytes' : 'empty');
      return;
    }
    expect(Array.isArray(body) && body.length).toBeGreaterThan(0);
    const problems: string[] = [];
    (body as unknown[]).forEach((b, i) => checkValue(b, desc, `${key}${(body as unknown[]).length > 1 ? `#${i}` : ''}`, problems));
    expect([...new Set(problems)]).toEqual([]);
  });

  it('a failing check (scenario failing-checks) answers in AllocCheckStatus shape', async () => {
    const s = await start({ seed: 'empty', scenarios: ['failing-checks'] });
    try {
      const allocs = (await call(s, 'GET', '/v1/job/checkout/allocations')).json as { ID: string; DeploymentStatus: { Healthy: boolean } | null }[];
      const bad = allocs.find((a) => a.DeploymentStatus?.Healthy === false)!;
      const body = (await call(s, 'GET', `/v1/client/allocation/${bad.ID}/checks`)).json as Record<string, { Status: string }>;
      expect(Object.values(body).map((c) => c.Status)).toEqual(['failure']);
      const problems: string[] = [];
      checkValue(body, responseDesc('GET /v1/client/allocation/:id/checks')!, 'checks', problems);
      expect(problems).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('a full Node carries the legacy Drain, as Nomad\'s encoding extension adds it (nomad/structs/extensions.go nodeExt)', async () => {
    const node = async () => (await call(sim, 'GET', `/v1/node/${ids.node}`, undefined, H)).json as { Drain?: boolean; DrainStrategy: unknown };
    // drain again with a drainer that cannot finish while the test looks (it finishes after deploymentMs,
    // 300 ms here: the steps since the drain step can take longer on a loaded machine)
    sim.state.deploymentMs = 600_000;
    await call(sim, 'PUT', `/v1/node/${ids.node}/drain`, { DrainSpec: { Deadline: 3_600_000_000_000, IgnoreSystemJobs: false }, MarkEligible: false }, H);
    const before = await node();
    expect(before.DrainStrategy).not.toBeNull();
    expect(before.Drain).toBe(true);
    await call(sim, 'PUT', `/v1/node/${ids.node}/drain`, { DrainSpec: null, MarkEligible: true }, H);
    expect(await node()).toMatchObject({ DrainStrategy: null, Drain: false });
  });

  it('catches a field Nomad does not have (the check can fail)', () => {
    const problems: string[] = [];
    checkValue([{ ID: 'x', Drain: 'yes', Invented: 1, Datacenter: null }], responseDesc('GET /v1/nodes')!, 'nodes', problems);
    expect(problems).toEqual([
      'nodes[0].Drain: "yes" is not a boolean (Go bool)',
      'nodes[0].Invented: NodeListStub has no field "Invented" (nor has structs.NodeListStub)',
      'nodes[0].Datacenter: null, but Nomad\'s string is never null',
    ]);
  });
});
