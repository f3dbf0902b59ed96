/**
 * Operator reads, quotas, scaling policies and regions end to end through the SDK client against the
 * simulator: autopilot health (429 when unhealthy is still the answer), raft configuration with
 * orphaned peers flagged (management only), scheduler configuration (operator:read), quotas on Nomad
 * Community Edition (501), scaling policies from a job's scaling block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { addRaftPeer } from '../../src/sim/operator.js';
import { connectStdio, type Connected } from './harness.js';

const MGMT = 'operator-management-secret-00001';
const OPS = 'operator-ops-secret-0000000000001';

let sim: Simulator;
let admin: Connected;
let ops: Connected;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 'demo',
    aclTokens: [MGMT],
    acl: {
      policies: { ops: 'operator {\n  policy = "read"\n}\nnamespace "default" {\n  capabilities = ["list-scaling-policies"]\n}' },
      tokens: [{ name: 'ops', secret: OPS, policies: ['ops'] }],
    },
  });
  const job = {
    ID: 'autoscaled', Name: 'autoscaled', Type: 'service', Datacenters: ['dc1'],
    TaskGroups: [{
      Name: 'web', Count: 2,
      Scaling: { Min: 1, Max: 5, Enabled: true, Policy: { cooldown: '1m', check: { cpu: { source: 'nomad-apm', query: 'avg_cpu' } } } },
      Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'nginx:1.27' }, Resources: { CPU: 100, MemoryMB: 64 } }],
    }],
  };
  const r = await fetch(`${sim.url}/v1/jobs`, { method: 'PUT', headers: { 'X-Nomad-Token': MGMT }, body: JSON.stringify({ Job: job }) });
  expect(r.status).toBe(200);
  [admin, ops] = await Promise.all([connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: MGMT }), connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: OPS })]);
});

afterAll(async () => {
  await Promise.all([admin?.close(), ops?.close()]);
  await sim?.close();
});

describe('servers', () => {
  it('a healthy one-server cluster: autopilot health and raft configuration', async () => {
    const health = await ops.call('get_autopilot_health');
    expect(health.isError).toBe(false);
    expect(health.text).toMatch(/^Healthy: failure tolerance 0, 1 voters\.\nnomad-sim\.global 127\.0\.0\.1:4647 leader, serf alive, healthy, last contact 0s/);
    const raft = await admin.call('get_raft_configuration');
    expect(raft.isError).toBe(false);
    expect(raft.text).toBe('nomad-sim.global 127.0.0.1:4647 id c6e4f2b4-5a1d-4f7e-9d0c-2b8f8e1a9d3e leader voter');
  });

  it('raft configuration needs a management token (Operator.RaftGetConfiguration), not operator:read', async () => {
    const r = await ops.call('get_raft_configuration');
    expect(r.isError).toBe(true);
    expect(r.text).toContain('403: Permission denied (GET /v1/operator/raft/configuration): the endpoint needs a management token');
  });

  it('orphaned peers are flagged: one with no serf member, one whose member failed; autopilot answers 429 and the report is still read', async () => {
    addRaftPeer(sim.state, { id: '11111111-2222-3333-4444-555555555555', name: 'nomad-old.global', address: '10.0.0.9:4647', voter: true, serf: null });
    addRaftPeer(sim.state, { id: '66666666-7777-8888-9999-000000000000', name: 'nomad-b.global', address: '10.0.0.7:4647', voter: true, serf: 'failed' });
    {
      const direct = await fetch(`${sim.url}/v1/operator/autopilot/health`, { headers: { 'X-Nomad-Token': OPS } });
      expect(direct.status).toBe(429); // command/agent/operator_endpoint.go OperatorServerHealth ~246
      const health = await ops.call('get_autopilot_health');
      expect(health.isError).toBe(false);
      expect(health.text).toContain('UNHEALTHY: failure tolerance 0, 3 voters.');
      expect(health.text).toContain('(no serf member) 10.0.0.9:4647 voter, serf none, UNHEALTHY');
      expect(health.text).toContain('nomad-b.global 10.0.0.7:4647 voter, serf failed, UNHEALTHY');
      expect(health.structured).toMatchObject({ Healthy: false });

      const raft = await admin.call('get_raft_configuration');
      const byAddr = Object.fromEntries(raft.text.split('\n').map((l) => [l.split(' ')[1], l]));
      expect(byAddr['10.0.0.9:4647']).toContain('(unknown) 10.0.0.9:4647 id 11111111-2222-3333-4444-555555555555 voter - ORPHANED: no serf member has this address; if that server is gone, `nomad operator raft remove-peer -peer-id=11111111-2222-3333-4444-555555555555` removes it');
      expect(byAddr['10.0.0.7:4647']).toContain('nomad-b.global 10.0.0.7:4647 id 66666666-7777-8888-9999-000000000000 voter - ORPHANED: its serf member is failed');
      expect(byAddr['127.0.0.1:4647']).not.toContain('ORPHANED');

      // without node:read the serf members are missing: the orphan without a member is still found
      const limited = await startSimulator({ port: 0, aclTokens: [MGMT] });
      addRaftPeer(limited.state, { id: '11111111-2222-3333-4444-555555555555', name: 'x', address: '10.0.0.9:4647', voter: true, serf: null });
      limited.faults.endpoints.push({ path: '/v1/agent/members', status: 403, text: 'Permission denied' });
      const client = await connectStdio({ NOMAD_ADDR: limited.url, NOMAD_TOKEN: MGMT });
      try {
        const r = await client.call('get_raft_configuration');
        expect(r.isError).toBe(false);
        expect(r.text).toContain('ORPHANED: no serf member has this address');
        expect(r.text).toContain('serf members unavailable: the token lacks node:read');
      } finally {
        await client.close();
        await limited.close();
      }
    }
  });

  it('get_scheduler_configuration: Nomad\'s defaults, operator:read', async () => {
    const r = await ops.call('get_scheduler_configuration');
    expect(r.isError).toBe(false);
    expect(r.text).toBe('Algorithm binpack; preemption: system true, sysbatch false, batch false, service false; memory oversubscription false.');
    expect(r.structured).toMatchObject({ SchedulerAlgorithm: 'binpack', RejectJobRegistration: false, PauseEvalBroker: false });
  });

  it('operator reads refuse a token without operator:read, naming it', async () => {
    const open = await startSimulator({ port: 0, acl: { policies: { ro: 'namespace "default" {\n  policy = "read"\n}' }, tokens: [{ secret: 'ro-secret-000000000000000000001', policies: ['ro'] }] } });
    const client = await connectStdio({ NOMAD_ADDR: open.url, NOMAD_TOKEN: 'ro-secret-000000000000000000001' });
    try {
      for (const tool of ['get_autopilot_health', 'get_scheduler_configuration']) {
        const r = await client.call(tool);
        expect(r.isError).toBe(true);
        expect(r.text).toContain('the token lacks operator:read');
      }
    } finally {
      await client.close();
      await open.close();
    }
  });
});

describe('quotas, scaling policies, regions', () => {
  it('quotas on Nomad Community Edition: 501, said as an Enterprise feature', async () => {
    for (const [tool, args] of [['list_quotas', {}], ['get_quota', { name: 'default' }]] as const) {
      const r = await ops.call(tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toContain('501: Nomad Enterprise only endpoint');
      expect(r.text).toContain('this is a Nomad Enterprise feature, and this cluster runs Nomad Community Edition');
    }
  });

  it('list_scaling_policies and get_scaling_policy read the job\'s scaling block', async () => {
    const list = await ops.call('list_scaling_policies', { job_id: 'autoscaled' });
    expect(list.isError).toBe(false);
    const [policy] = (list.structured as { items: Record<string, unknown>[] }).items;
    expect(policy).toMatchObject({ Type: 'horizontal', Target: { Namespace: 'default', Job: 'autoscaled', Group: 'web' }, Enabled: true });
    expect(sim.requests.findLast((q) => q.path === '/v1/scaling/policies')!.query.job).toBe('autoscaled');
    const one = await admin.call('get_scaling_policy', { policy_id: policy.ID as string });
    expect(one.structured).toMatchObject({ Min: 1, Max: 5, Enabled: true, Policy: { cooldown: '1m' } });
    const missing = await admin.call('get_scaling_policy', { policy_id: 'nope' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('404: policy not found');
    // the ops policy grants list-scaling-policies but not read-scaling-policy (nor list-jobs + read-job)
    const denied = await ops.call('get_scaling_policy', { policy_id: policy.ID as string });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('the token lacks read-scaling-policy in namespace "default"');
  });

  it('list_regions needs no token', async () => {
    const r = await ops.call('list_regions');
    expect(r.text).toBe('Regions: global');
  });
});
