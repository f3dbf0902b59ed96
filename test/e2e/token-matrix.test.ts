/**
 * The token matrix of issue 11: every read tool of the catalog (readOnlyHint) called with each of four
 * tokens (management; namespace read-only; namespace operator with read-logs but no agent:read or
 * node:read; node read only) against the simulator playing Nomad's ACLs. Each call answers, or refuses
 * in words that name the capability Nomad wanted; no tool fails whole because an optional part of it
 * was refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTokenMatrix, type TokenMatrix } from '../sim/token-matrix.js';
import { connectStdio, type Answer, type Connected } from './harness.js';

const MANAGEMENT = 'matrix-management-secret-0001';
const KINDS = ['management', 'readOnly', 'operator', 'nodeRead'] as const;
type Kind = (typeof KINDS)[number];

let sim: Simulator;
let matrix: TokenMatrix;
const clients = new Map<Kind, Connected>();
let readTools: { name: string; required: string[] }[] = [];
let ids: Record<string, string> = {};
let policyName = '';

async function get<T>(path: string): Promise<T> {
  const res = await fetch(sim.url + path, { headers: { 'X-Nomad-Token': MANAGEMENT } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  // volume-no-plugin: a CSI plugin and volumes for the volume tools to read
  sim = await startSimulator({ port: 0, seed: 'demo', aclTokens: [MANAGEMENT], heartbeatMs: 100, scenarios: ['volume-no-plugin'] });
  matrix = await createTokenMatrix(sim.url, MANAGEMENT);
  await Promise.all(
    KINDS.map(async (k) => {
      clients.set(k, await connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: matrix[k].secret }));
    }),
  );
  const { tools } = await clients.get('management')!.client.listTools();
  readTools = tools
    // the Gitea tools reach another upstream, not Nomad's ACLs
    .filter((t) => t.annotations?.readOnlyHint === true && !/repositor/.test(t.name))
    .map((t) => ({ name: t.name, required: (t.inputSchema.required as string[] | undefined) ?? [] }));
  const allocs = await get<{ ID: string; ClientStatus: string }[]>('/v1/job/web/allocations');
  const running = allocs.find((a) => a.ClientStatus === 'running')!;
  const [node] = await get<{ ID: string }[]>('/v1/nodes');
  const deployment = await get<{ ID: string }>('/v1/job/web/deployment');
  const [ev] = await get<{ ID: string }[]>('/v1/job/web/evaluations');
  // ACL objects, an auth method with a binding rule, and a scaling policy for the lookup tools to read
  const put = async (p: string, body: unknown) => {
    const res = await fetch(sim.url + p, { method: 'PUT', headers: { 'X-Nomad-Token': MANAGEMENT }, body: JSON.stringify(body) });
    expect(res.status, p).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const [policy] = await get<{ Name: string }[]>('/v1/acl/policies');
  const role = await put('/v1/acl/role', { Name: 'matrix-role', Policies: [{ Name: policy.Name }] });
  const [token] = await get<{ AccessorID: string }[]>('/v1/acl/tokens');
  await put('/v1/acl/auth-method', {
    Name: 'matrix-sso', Type: 'JWT', TokenLocality: 'local', MaxTokenTTL: '1h',
    Config: { JWKSURL: 'https://idp.test/jwks', BoundAudiences: ['nomad'], BoundIssuer: ['https://idp.test'] },
  });
  const rule = await put('/v1/acl/binding-rule', { AuthMethod: 'matrix-sso', Selector: '"eng" in list.groups', BindType: 'policy', BindName: policy.Name });
  await put('/v1/jobs', {
    Job: {
      ID: 'autoscaled', Name: 'autoscaled', Type: 'service', Datacenters: ['dc1'],
      TaskGroups: [{ Name: 'web', Count: 1, Scaling: { Min: 1, Max: 3, Enabled: true, Policy: {} }, Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'nginx:1' }, Resources: { CPU: 100, MemoryMB: 64 } }] }],
    },
  });
  const [scaling] = await get<{ ID: string }[]>('/v1/scaling/policies');
  ids = {
    alloc_id: running.ID, node_id: node.ID, deployment_id: deployment.ID, eval_id: ev.ID,
    accessor_id: token.AccessorID, role_id: role.ID as string, rule_id: rule.ID as string, policy_id: scaling.ID,
  };
  policyName = policy.Name;
}, 120_000);

afterAll(async () => {
  await Promise.all([...clients.values()].map((c) => c.close()));
  await sim?.close();
});

/** Sensible arguments for a read tool: its required ones, and short waits for the streaming ones. */
function argsFor(tool: { name: string; required: string[] }): Record<string, unknown> {
  const known: Record<string, unknown> = {
    job_id: 'web', task: 'server', name: tool.name === 'get_config' ? 'web' : 'default', path: 'nomad-mcp/configs/web',
    text: 'web', pattern: 'error', from: 0, to: 1, id: 'uploads', plugin_id: 'aws-ebs0', content: JSON.stringify({ ID: 'web', Name: 'web', Type: 'service', Datacenters: ['dc1'], TaskGroups: [{ Name: 'frontend', Count: 1, Tasks: [{ Name: 'server', Driver: 'docker', Config: { image: 'nginx:1' } }] }] }),
    ...ids,
  };
  const args: Record<string, unknown> = {};
  for (const r of tool.required) args[r] = known[r];
  if (tool.name === 'watch_events' || tool.name === 'follow_job_logs' || tool.name === 'monitor_agent') args.seconds = 1;
  if (tool.name === 'wait_for_deployment') Object.assign(args, { deployment_id: ids.deployment_id, timeout_s: 5 });
  if (tool.name === 'plan_job') args.content = known.content;
  if (tool.name === 'read_allocation_file') args.path = 'alloc/logs/server.stdout.0';
  // one of alloc_id or job_id, neither required by the schema
  if (tool.name === 'get_allocation_status') args.alloc_id = ids.alloc_id;
  // one of job_id or alloc_id / content
  if (tool.name === 'why_restarting' || tool.name === 'explain_placement') args.job_id = 'web';
  if (tool.name === 'get_acl_policy') args.name = policyName;
  if (tool.name === 'get_auth_method') args.name = 'matrix-sso';
  return args;
}

/** A refusal said in capability terms (or Nomad's "not found or not permitted" for an allocation). */
const NAMES_CAPABILITY = /the token lacks [a-z:-]+|needs? (a management token|node:read|read-job)|not found or not permitted|only a management token|this is a Nomad Enterprise feature/;

/** Tools that need Nomad Enterprise: on the Community Edition the simulator plays, they answer 501 in words. */
const ENTERPRISE = new Set(['list_quotas', 'get_quota']);

const answers = new Map<string, Answer>();
async function answer(kind: Kind, tool: { name: string; required: string[] }): Promise<Answer> {
  const key = `${kind} ${tool.name}`;
  if (!answers.has(key)) answers.set(key, await clients.get(kind)!.call(tool.name, argsFor(tool)));
  return answers.get(key)!;
}

describe('every read tool × every token', () => {
  for (const kind of KINDS) {
    it(`${kind}: each read tool answers or names the capability it lacks`, async () => {
      const bad: string[] = [];
      for (const tool of readTools) {
        const r = await answer(kind, tool);
        if (r.isError && !NAMES_CAPABILITY.test(r.text)) bad.push(`${tool.name}: ${r.text.slice(0, 300)}`);
        // a bare "Permission denied" is never the whole story
        if (/Permission denied/.test(r.text) && !NAMES_CAPABILITY.test(r.text)) bad.push(`${tool.name} (bare refusal): ${r.text.slice(0, 300)}`);
      }
      expect(bad, bad.join('\n')).toEqual([]);
    }, 180_000);
  }

  it('management can use every read tool', async () => {
    const failed: string[] = [];
    for (const tool of readTools) {
      const r = await answer('management', tool);
      if (ENTERPRISE.has(tool.name)) {
        expect(r.text, tool.name).toContain('this is a Nomad Enterprise feature');
        continue;
      }
      if (r.isError) failed.push(`${tool.name}: ${r.text.slice(0, 200)}`);
    }
    expect(failed, failed.join('\n')).toEqual([]);
  }, 180_000);

  it('no composite tool fails whole because an optional part was refused', async () => {
    // get_cluster_status without agent:read: leader, peers and regions, and one line naming agent:read
    for (const kind of ['readOnly', 'operator'] as const) {
      const r = await answer(kind, { name: 'get_cluster_status', required: [] });
      expect(r.isError, r.text).toBe(false);
      expect(r.text).toContain('Leader: ');
      expect(r.text).toContain('agent info unavailable: the token lacks agent:read');
    }
    // get_job_status and explain_placement_failure with read-job but no node:read
    for (const kind of ['readOnly', 'operator'] as const) {
      for (const name of ['get_job_status', 'explain_placement_failure']) {
        const r = await answer(kind, { name, required: ['job_id'] });
        expect(r.isError, `${kind} ${name}: ${r.text}`).toBe(false);
      }
    }
    // the operator reads logs; the read-only token is told it lacks read-logs
    expect((await answer('operator', { name: 'get_job_logs', required: ['job_id'] })).isError).toBe(false);
    const ro = await answer('readOnly', { name: 'get_job_logs', required: ['job_id'] });
    expect(ro.isError).toBe(true);
    expect(ro.text).toContain('the token lacks read-logs in namespace "default"');
    // node read only: nodes yes, jobs no, in words
    expect((await answer('nodeRead', { name: 'list_nodes', required: [] })).isError).toBe(false);
    const jobs = await answer('nodeRead', { name: 'get_job', required: ['job_id'] });
    expect(jobs.isError).toBe(true);
    expect(jobs.text).toContain('the token lacks read-job in namespace "default"');
  }, 120_000);
});
