import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, ROOT } from './harness.js';
import { type Served, spawnServe } from './http-harness.js';
import { modernOverHttp } from './protocol-clients.js';

/**
 * The catalog from Nomad Variables: three `serve --http --stateless --tools-from-nomad nomad-mcp/tools` replicas against
 * one simulator. A descriptor put into the variables reaches every replica through its blocking query on /v1/vars,
 * announced with list_changed on subscriptions/listen; a broken one keeps the last good version; a deleted one goes.
 */
const PREFIX = 'nomad-mcp/tools';

const tool = (name: string, description = 'A team tool stored as a Nomad Variable.') => `tools:
  - name: ${name}
    description: ${description}
    annotations: { readOnlyHint: true }
    request: { method: GET, path: /v1/jobs }
    response: { pick: [ID] }
`;
// a typo in the entry that starts on line 2: the error names the variable and that line
const BROKEN = `tools:
  - name: team_one
    description: A team tool stored as a Nomad Variable.
    annotations: { readOnlyHint: true }
    requst: { method: GET, path: /v1/jobs }
`;

let sim: Simulator;
const replicas: Served[] = [];
type Client = Awaited<ReturnType<typeof modernOverHttp>>;
const clients: { client: Client; next(): Promise<number>; close(): Promise<void> }[] = [];

/** A listening 2026-07-28 client on one replica: `next()` resolves at its next tools/list_changed, with the time it came. */
async function listener(url: string) {
  const client = await modernOverHttp(url);
  let waiting: ((at: number) => void)[] = [];
  client.setNotificationHandler('notifications/tools/list_changed', async () => {
    const at = performance.now();
    const w = waiting;
    waiting = [];
    for (const resolve of w) resolve(at);
  });
  const sub = await client.listen({ toolsListChanged: true });
  return {
    client,
    next: () => new Promise<number>((resolve) => waiting.push(resolve)),
    close: async () => {
      await sub.close();
      await client.close();
    },
  };
}

async function putVar(name: string, items: Record<string, string>): Promise<number> {
  const res = await fetch(`${sim.url}/v1/var/${PREFIX}/${name}`, { method: 'PUT', body: JSON.stringify({ Items: items }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { ModifyIndex: number }).ModifyIndex;
}

const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);

/** Run a CLI command of nomad-mcp against the simulator. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: sim.url } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Change the variables, then wait for list_changed on every replica; prints how long each took after the simulator
 * committed the write (its variables index moved), which leaves out the time a CLI takes to start.
 */
async function changeAndWait(what: string, change: () => Promise<unknown>): Promise<void> {
  const announced = clients.map((c) => c.next());
  let committed: number | undefined;
  const off = sim.state.onIndex((i) => {
    // the index moves before the variable is stored: look once the write is done
    queueMicrotask(() => {
      if (committed === undefined && sim.state.variablesIndex === i) committed = performance.now();
    });
  });
  try {
    await change();
    const at = await Promise.all(announced);
    console.log(`catalog-nomad: ${what}: list_changed ${at.map((t, i) => `replica ${i} ${(t - committed!).toFixed(0)} ms`).join(', ')} after the write`);
  } finally {
    off();
  }
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  // one after the other: three node processes starting at once on a busy 2-core machine can outlast a start timeout
  for (let i = 0; i < 3; i++) replicas.push(await spawnServe(['--stateless', '--tools-from-nomad', PREFIX], { NOMAD_ADDR: sim.url }));
  clients.push(...(await Promise.all(replicas.map((r) => listener(r.url)))));
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(replicas.map((r) => r.stop()));
  await sim?.close();
});

describe('the catalog from Nomad Variables, on three replicas', () => {
  it('a new variable reaches every replica with list_changed; a broken one keeps the last good version; a deleted one goes', async () => {
    for (const c of clients) expect(await names(c.client)).not.toContain('team_one');

    await changeAndWait('new variable', () => putVar('team-one', { yaml: tool('team_one') }));
    for (const c of clients) expect(await names(c.client)).toContain('team_one');
    // each replica waits on Nomad's blocking query, not a poll: one open /v1/vars request per replica
    expect(sim.requests.filter((q) => q.path === '/v1/vars' && q.query.index).length).toBeGreaterThanOrEqual(3);

    // a broken version: every replica logs it (naming the variable and the line) and keeps serving the last good one
    await putVar('team-one', { yaml: BROKEN });
    for (const r of replicas) {
      await vi.waitFor(() => expect(r.stderr()).toContain(`${PREFIX}/team-one: serving its last good version`), { timeout: 20_000, interval: 50 });
      expect(r.stderr()).toContain(`${PREFIX}/team-one:2:5: tools.0: unknown key "requst"`);
    }
    // another team's change reloads the catalog: the broken variable still serves its last good version beside it
    await changeAndWait('second variable beside a broken one', () => putVar('team-two', { yaml: tool('team_two') }));
    for (const c of clients) expect(await names(c.client)).toEqual(expect.arrayContaining(['team_one', 'team_two']));
    const described = (await clients[0].client.listTools()).tools.find((t) => t.name === 'team_one');
    expect(described?.description).toBe('A team tool stored as a Nomad Variable.');

    // doctor shows the broken variable, with its line; the server would not have refused to start over it
    const doctor = await cli(['doctor', '--tools-from-nomad', PREFIX]);
    expect(doctor.stdout).toMatch(/! team tools +nomad-mcp\/tools\/team-one: 1 problem\(s\)/);
    expect(doctor.stdout).toContain(`${PREFIX}/team-one:2:5: tools.0: unknown key "requst"`);
    // tools validate checks the configured catalog, the variables included, and fails on it
    const validate = await cli(['tools', 'validate', '--tools-from-nomad', PREFIX]);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain(`${PREFIX}/team-one:2:5: tools.0: unknown key "requst"`);

    // a variable without the yaml item is an error naming it, not a crash
    await putVar('no-yaml', { yml: tool('team_three') });
    await vi.waitFor(() => expect(replicas[0].stderr()).toContain(`${PREFIX}/no-yaml:1:1: the variable has no "yaml" item`), { timeout: 20_000, interval: 50 });

    // deleting the variables removes their tools
    await changeAndWait('deleted variable', async () => {
      expect((await fetch(`${sim.url}/v1/var/${PREFIX}/team-one`, { method: 'DELETE' })).status).toBe(204);
    });
    for (const c of clients) {
      const now = await names(c.client);
      expect(now).not.toContain('team_one');
      expect(now).toContain('team_two');
    }
  }, 120_000);

  it('tools push validates, writes with check-and-set, and reaches the replicas; an invalid file is refused and nothing is written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-push-'));
    const good = path.join(dir, 'team-push.yaml');
    writeFileSync(good, tool('team_pushed'));
    await changeAndWait('tools push (create)', async () => {
      const pushed = await cli(['tools', 'push', good, '--path', PREFIX]);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.stdout).toMatch(/^pushed .*team-push\.yaml to nomad-mcp\/tools\/team-push \(namespace default, ModifyIndex \d+\): 1 tool\(s\)/);
    });
    for (const c of clients) expect(await names(c.client)).toContain('team_pushed');
    const created = sim.requests.filter((q) => q.method === 'PUT' && q.path === `/v1/var/${PREFIX}/team-push`);
    expect(created.map((q) => q.query.cas)).toEqual(['0']);

    // an update writes over the version it read (cas = its ModifyIndex)
    writeFileSync(good, tool('team_pushed', 'A team tool stored as a Nomad Variable, updated.'));
    const index = (await (await fetch(`${sim.url}/v1/var/${PREFIX}/team-push`)).json()).ModifyIndex as number;
    await changeAndWait('tools push (update)', async () => expect((await cli(['tools', 'push', good, '--path', PREFIX])).code).toBe(0));
    expect(sim.requests.filter((q) => q.method === 'PUT' && q.path === `/v1/var/${PREFIX}/team-push`).map((q) => q.query.cas)).toEqual(['0', String(index)]);
    for (const c of clients) {
      expect((await c.client.listTools()).tools.find((t) => t.name === 'team_pushed')?.description).toBe('A team tool stored as a Nomad Variable, updated.');
    }

    // an invalid file, and a file whose tool name another variable already serves: refused, nothing written
    const bad = path.join(dir, 'team-bad.yaml');
    writeFileSync(bad, BROKEN.replace('team_one', 'team_bad'));
    const refused = await cli(['tools', 'push', bad, '--path', PREFIX]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('team-bad.yaml:2:5: tools.0: unknown key "requst"');
    expect(refused.stderr).toContain('not pushed');
    const dup = path.join(dir, 'team-dup.yaml');
    writeFileSync(dup, tool('team_two'));
    const clash = await cli(['tools', 'push', dup, '--path', PREFIX]);
    expect(clash.code).toBe(1);
    expect(clash.stdout).toMatch(/team-dup\.yaml:2:11: duplicate tool name "team_two" \(first defined at nomad-mcp\/tools\/team-two:2:11\)/);
    expect(sim.requests.filter((q) => q.method === 'PUT' && /team-(bad|dup)$/.test(q.path))).toEqual([]);
  }, 120_000);
});
