/**
 * edit_job end to end through the SDK clients against the simulator: the change is planned and its
 * diff answered; apply registers it with EnforceIndex at the planned JobModifyIndex, after the user
 * confirms (elicitation on 2026-07-28); a job changed since the plan is refused, not overwritten.
 */
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, connectStdio, ROOT, type Connected } from './harness.js';
import { MODERN } from './protocol-clients.js';

let sim: Simulator;
let mcp: Connected;

const SHOP = {
  ID: 'shop', Name: 'shop', Type: 'service', Datacenters: ['dc1'], Meta: { owner: 'web-team' },
  TaskGroups: [
    { Name: 'web', Count: 2, Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'nginx:1.27' }, Env: { MODE: 'prod' }, Resources: { CPU: 100, MemoryMB: 128 } }] },
    { Name: 'worker', Count: 1, Tasks: [{ Name: 'queue', Driver: 'docker', Config: { image: 'acme/queue:2' }, Resources: { CPU: 200, MemoryMB: 256 } }] },
  ],
};

interface Job {
  JobModifyIndex: number;
  Version: number;
  Meta: Record<string, string>;
  TaskGroups: { Name: string; Count: number; Tasks: { Config: { image: string }; Env: Record<string, string> | null; Resources: { CPU: number; MemoryMB: number } }[] }[];
}

async function job(): Promise<Job> {
  return (await (await fetch(`${sim.url}/v1/job/shop`)).json()) as Job;
}

async function register(spec: unknown): Promise<void> {
  const r = await fetch(`${sim.url}/v1/jobs`, { method: 'PUT', body: JSON.stringify({ Job: spec }) });
  expect(r.status).toBe(200);
}

const registers = () => sim.requests.filter((q) => q.method === 'PUT' && q.path === '/v1/jobs').length;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', deploymentMs: 200 });
  await register(SHOP);
  mcp = await connectStdio({ NOMAD_ADDR: sim.url });
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

describe('plan first', () => {
  it('answers the diff and registers nothing; the answer names the index to apply at', async () => {
    const before = await job();
    const n = registers();
    const r = await mcp.call('edit_job', { job_id: 'shop', changes: { group: 'web', count: 4 } });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toContain('group web count: 2 → 4');
    expect(r.text).toContain('job diff: Edited');
    expect(r.text).toMatch(/web: 2 place/);
    expect(r.text).toContain(`call edit_job again with the same changes and apply_at=${before.JobModifyIndex}`);
    expect(r.structured).toMatchObject({ registered: false, job_modify_index: before.JobModifyIndex, edits: ['group web count: 2 → 4'] });
    expect(registers()).toBe(n);
    expect((await job()).JobModifyIndex).toBe(before.JobModifyIndex);
    expect(sim.requests.findLast((q) => q.path === '/v1/job/shop/plan')).toBeDefined();
  });

  it('an ambiguous or impossible change is a clear caller error naming the choices', async () => {
    const count = await mcp.call('edit_job', { job_id: 'shop', changes: { count: 3 } });
    expect(count.isError).toBe(true);
    expect(count.text).toBe('Job shop has groups web, worker: say which one gets count 3 with changes.group.');
    const image = await mcp.call('edit_job', { job_id: 'shop', changes: { image: 'nginx:1.28' } });
    expect(image.text).toBe('Job shop has tasks app, queue: say which one to change with changes.task (and changes.group).');
    const group = await mcp.call('edit_job', { job_id: 'shop', changes: { group: 'api', count: 1 } });
    expect(group.text).toBe('Job shop has no group "api" (its groups: web, worker).');
    const missing = await mcp.call('edit_job', { job_id: 'nope', changes: { group: 'web', count: 1 } });
    expect(missing.text).toContain('No job "nope" in namespace "default"');
    const empty = await mcp.call('edit_job', { job_id: 'shop', changes: { group: 'web' } });
    expect(empty.text).toContain('changes is empty');
    const bad = await mcp.call('edit_job', { job_id: 'shop', changes: { group: 'web', count: -1, cpu: 'lots', replicas: 3, env: { A: 1 } } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toBe(
      'Invalid changes: "count" must be a whole number of at least 0; "cpu" must be a whole number of at least 1; unknown change "replicas" (known: group, task, image, count, cpu, memory, env, meta); "env" must be an object of text values (null removes a key).',
    );
  });
});

describe('apply', () => {
  it('registers image, env, meta and resources with EnforceIndex at the planned index and answers the diff', async () => {
    const before = await job();
    const changes = { task: 'app', image: 'nginx:1.28', env: { MODE: 'canary', DEBUG: '1' }, cpu: 150, memory: 256, meta: { owner: 'platform' } };
    const plan = await mcp.call('edit_job', { job_id: 'shop', changes });
    expect(plan.text).toContain('group web task app image: nginx:1.27 → nginx:1.28');
    const r = await mcp.call('edit_job', { job_id: 'shop', changes, apply_at: before.JobModifyIndex });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toContain('group web task app env MODE: prod → canary');
    expect(r.text).toContain('group web task app memory: 128 → 256 MB');
    expect(r.text).toContain('job meta owner: web-team → platform');
    expect(r.text).toContain('Job shop registered in namespace default');
    const sent = JSON.parse(sim.requests.findLast((q) => q.method === 'PUT' && q.path === '/v1/jobs')!.body);
    expect(sent).toMatchObject({ EnforceIndex: true, JobModifyIndex: before.JobModifyIndex });
    const after = await job();
    expect(after.Version).toBe(before.Version + 1);
    const app = after.TaskGroups.find((g) => g.Name === 'web')!.Tasks[0];
    expect(app.Config.image).toBe('nginx:1.28');
    expect(app.Env).toEqual({ MODE: 'canary', DEBUG: '1' });
    expect(app.Resources).toMatchObject({ CPU: 150, MemoryMB: 256 });
    expect(after.Meta.owner).toBe('platform');
    // the other group is untouched
    expect(after.TaskGroups.find((g) => g.Name === 'worker')!.Tasks[0].Config.image).toBe('acme/queue:2');
  });

  it('a job changed since the plan is refused and nothing is registered', async () => {
    const planned = await job();
    // someone else scales the job between the plan and the apply
    const spec = structuredClone(SHOP);
    spec.TaskGroups[1].Count = 3;
    await register(spec);
    const n = registers();
    const r = await mcp.call('edit_job', { job_id: 'shop', changes: { group: 'web', count: 5 }, apply_at: planned.JobModifyIndex });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`Job shop changed since the plan (JobModifyIndex ${planned.JobModifyIndex} then,`);
    expect(r.text).toContain('nothing was registered');
    expect(registers()).toBe(n);
    expect((await job()).TaskGroups.find((g) => g.Name === 'web')!.Count).toBe(2);
  });
});

describe('confirmation (2026-07-28, elicitation)', () => {
  it('apply_at asks the user with the changes in the question; a no registers nothing, a yes registers', async () => {
    const questions: string[] = [];
    let yes = false;
    const client = new ModernClient({ name: 'e2e-edit', version: '1' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: MODERN } } });
    client.setRequestHandler('elicitation/create', async (req) => {
      questions.push(req.params.message);
      return yes ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
    await client.connect(
      new ModernStdio({ command: process.execPath, args: [BIN, 'serve', '--stdio'], env: { PATH: process.env.PATH ?? '', HOME: '/tmp', NOMAD_ADDR: sim.url }, cwd: ROOT, stderr: 'ignore' }),
    );
    const text = (r: { content?: unknown }) => ((r.content ?? []) as { text?: string }[]).map((c) => c.text ?? '').join('\n');
    try {
      // the plan itself is not confirmed: it changes nothing
      const plan = await client.callTool({ name: 'edit_job', arguments: { job_id: 'shop', changes: { group: 'worker', count: 2 } } });
      expect(questions).toEqual([]);
      const index = (plan.structuredContent as { job_modify_index: number }).job_modify_index;
      const n = registers();
      const args = { job_id: 'shop', changes: { group: 'worker', count: 2 }, apply_at: index };
      const no = await client.callTool({ name: 'edit_job', arguments: args });
      expect(no.isError).toBe(true);
      expect(text(no)).toContain('was not run: the user did not confirm it');
      expect(questions).toHaveLength(1);
      expect(questions[0]).toContain('Run edit_job (job_id=shop) with changes={"group":"worker","count":2}?');
      expect(questions[0]).not.toContain('cannot be undone');
      expect(registers()).toBe(n);
      yes = true;
      const ok = await client.callTool({ name: 'edit_job', arguments: args });
      expect(ok.isError, text(ok)).toBeFalsy();
      expect(text(ok)).toContain('group worker count: 3 → 2');
      expect(registers()).toBe(n + 1);
      expect((await job()).TaskGroups.find((g) => g.Name === 'worker')!.Count).toBe(2);
    } finally {
      await client.close();
    }
  });
});
