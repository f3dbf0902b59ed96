/**
 * exec_in_allocation end to end: the SDK client over stdio against the simulator's exec websocket.
 * Hidden without --allow-exec; with it, every call is confirmed (a declined one opens no socket, as the
 * simulator's exec log shows), answers exit code and capped, redacted output, refuses in words under a
 * token without alloc-exec, and a timeout or a cancellation closes the simulator's socket.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, connectStdio, ROOT, until } from './harness.js';

const MGMT = 'exec-management-token';
const READER = 'exec-reader-token';

let sim: Simulator;
let allocId: string;

/** A job whose task has a rendered template and a secret in its environment, plus a raw_exec task. */
const JOB = {
  Job: {
    ID: 'cfg', Name: 'cfg', Type: 'service', Datacenters: ['*'],
    TaskGroups: [{
      Name: 'app', Count: 1,
      Tasks: [
        {
          Name: 'app', Driver: 'docker', Config: { image: 'busybox' },
          Env: { DB_PASSWORD: 'hunter2-secret-value', MODE: 'prod' },
          Templates: [{ DestPath: 'local/app.conf', EmbeddedTmpl: 'listen = 8080\napi_key = "sk_live_abcdefghijklmnop1234"\n' }],
        },
        { Name: 'raw', Driver: 'raw_exec', Config: { command: '/bin/sleep' } },
      ],
    }],
  },
};

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 'demo',
    aclTokens: [MGMT],
    acl: {
      // read covers read-job and read-logs but not alloc-exec (acl/policy.go expandNamespacePolicy)
      policies: { reader: 'namespace "*" { policy = "read" }\nnode { policy = "read" }' },
      tokens: [{ name: 'reader', secret: READER, policies: ['reader'] }],
    },
  });
  const r = await fetch(`${sim.url}/v1/jobs`, { method: 'PUT', headers: { 'X-Nomad-Token': MGMT }, body: JSON.stringify(JOB) });
  expect(r.status).toBe(200);
  await until('the job runs', () => [...sim.state.allocs.values()].some((a) => a.JobID === 'cfg' && a.TaskStates.app?.State === 'running'));
  allocId = [...sim.state.allocs.values()].find((a) => a.JobID === 'cfg')!.ID;
});

afterAll(async () => {
  await sim?.close();
});

interface Confirming {
  client: Client;
  asked: string[];
  call(args: Record<string, unknown>, signal?: AbortSignal): Promise<{ text: string; isError: boolean; structured?: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A client that can be asked (elicitation) and answers with `answer()`. */
async function confirming(args: string[], env: Record<string, string>, answer: () => boolean): Promise<Confirming> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'serve', '--stdio', ...args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    cwd: ROOT,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'exec-e2e', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  const asked: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params.message);
    return answer() ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
  });
  await client.connect(transport);
  return {
    client,
    asked,
    async call(a, signal) {
      const r = (await client.callTool({ name: 'exec_in_allocation', arguments: a }, undefined, { signal, timeout: 60_000 })) as CallToolResult;
      const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
      return { text, isError: r.isError === true, structured: r.structuredContent as Record<string, unknown> | undefined };
    },
    close: () => client.close(),
  };
}

describe('exec_in_allocation without --allow-exec', () => {
  it('is not listed, is refused in words, and tools list --all says why', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: MGMT }, ['--allow-destructive']);
    try {
      const { tools } = await mcp.client.listTools();
      expect(tools.map((t) => t.name)).not.toContain('exec_in_allocation');
      expect(tools.map((t) => t.name)).toContain('monitor_agent');
      const r = await mcp.call('exec_in_allocation', { alloc_id: allocId, task: 'app', command: ['ls'] });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/--allow-exec/);
      expect(sim.exec.log).toHaveLength(0);
    } finally {
      await mcp.close();
    }
    const list = spawnSync(process.execPath, [BIN, 'tools', 'list', '--all'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(list.stdout).toMatch(/^exec_in_allocation\s.*\(hidden\)\n {4}hidden: .*runs commands inside allocations.*--allow-exec/m);
    const shown = spawnSync(process.execPath, [BIN, 'tools', 'list', '--all', '--allow-exec', '--json'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    const row = (JSON.parse(shown.stdout) as { name: string; tier: string; hidden?: string }[]).find((t) => t.name === 'exec_in_allocation');
    expect(row).toMatchObject({ tier: 'destructive' });
    expect(row?.hidden).toBeUndefined();
  });
});

describe('exec_in_allocation with --allow-exec', () => {
  let yes = false;
  let mcp: Confirming;
  const audit = path.join(mkdtempSync(path.join(tmpdir(), 'exec-audit-')), 'audit.jsonl');
  beforeAll(async () => {
    mcp = await confirming(['--allow-exec', '--audit-log', audit], { NOMAD_ADDR: sim.url, NOMAD_TOKEN: MGMT }, () => yes);
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it('a declined confirmation runs nothing: no socket reaches Nomad', async () => {
    yes = false;
    const before = sim.requests.filter((q) => q.path.endsWith('/exec')).length;
    const r = await mcp.call({ alloc_id: allocId.slice(0, 8), task: 'app', command: ['cat', 'local/app.conf'] });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('did not confirm');
    expect(mcp.asked.at(-1)).toContain('command=["cat","local/app.conf"]');
    expect(sim.exec.log).toHaveLength(0);
    expect(sim.requests.filter((q) => q.path.endsWith('/exec')).length).toBe(before);
  });

  it('a confirmed call runs the command and answers exit code and redacted output marked untrusted', async () => {
    yes = true;
    const r = await mcp.call({ alloc_id: allocId.slice(0, 8), task: 'app', command: ['cat', 'local/app.conf'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toContain('exit code 0');
    expect(r.text).toContain('This is untrusted output of the workload');
    expect(r.text).toContain('listen = 8080');
    expect(r.text).not.toContain('sk_live_abcdefghijklmnop1234');
    expect(r.structured).toMatchObject({ alloc_id: allocId, task: 'app', exit_code: 0, timed_out: false, truncated: false, redactions: 1 });
    expect(sim.exec.log.at(-1)).toMatchObject({ allocId, task: 'app', command: ['cat', 'local/app.conf'], outcome: 'exited', exitCode: 0 });
    // the token went on the upgrade as a header, never in the URL
    const upgrade = sim.requests.filter((q) => q.path.endsWith('/exec')).at(-1)!;
    expect(upgrade.headers['x-nomad-token']).toBe(MGMT);
    expect(upgrade.rawUrl).not.toContain(MGMT);
    expect(upgrade.query).toMatchObject({ task: 'app', command: '["cat","local/app.conf"]', tty: 'false' });
  });

  it('a non-zero exit, stderr, and a program the container lacks', async () => {
    yes = true;
    let r = await mcp.call({ alloc_id: allocId, task: 'app', command: ['sh', '-c', 'exit 3'] });
    expect(r.structured).toMatchObject({ exit_code: 3 });
    expect(r.text).toContain('exit code 3');
    r = await mcp.call({ alloc_id: allocId, task: 'app', command: ['cat', 'nope.txt'] });
    expect(r.structured).toMatchObject({ exit_code: 1, stderr: 'cat: nope.txt: No such file or directory\n' });
    r = await mcp.call({ alloc_id: allocId, task: 'app', command: ['curl', 'localhost'] });
    expect(r.structured).toMatchObject({ exit_code: 127 });
    expect(r.text).toContain('executable file not found in $PATH');
  });

  it('a huge output is cut at the byte cap with a marker', async () => {
    yes = true;
    sim.setLogSize(allocId, 'app', 'stdout', 1_000_000);
    const r = await mcp.call({ alloc_id: allocId, task: 'app', command: ['cat', '/alloc/logs/app.stdout.0'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toMatchObject({ exit_code: 0, stdout_bytes: 1_000_000, truncated: true });
    expect(r.text).toMatch(/\[truncated: showing the first 16384 of 1000000 bytes/);
    expect(Buffer.byteLength(r.text)).toBeLessThan(20_000);
  });

  it('bad input: a command that is not an array, an unknown task, a stopped allocation', async () => {
    yes = true;
    let r = await mcp.call({ alloc_id: allocId, task: 'app', command: 'ls -l' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/"command" must be array/);
    r = await mcp.call({ alloc_id: allocId, task: 'nope', command: ['ls'] });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('unknown task name "nope"');
    expect(r.text).toContain('Tasks of this allocation: app, raw');
    const stopped = [...sim.state.allocs.values()].find((a) => a.ClientStatus === 'complete' || a.ClientStatus === 'failed')!;
    r = await mcp.call({ alloc_id: stopped.ID, task: Object.keys(stopped.TaskStates)[0], command: ['ls'] });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`exec not possible, client status of allocation ${stopped.ID} is ${stopped.ClientStatus}`);
  });

  it('the audit line names the call and its outcome, never the output or the command in clear', async () => {
    yes = true;
    const r = await mcp.call({ alloc_id: allocId, task: 'app', command: ['echo', 'audit-canary-output'] });
    expect(r.text).toContain('audit-canary-output');
    const execs = () =>
      readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.tool === 'exec_in_allocation');
    // the audit file is written asynchronously: wait for the line of this call
    await until('the audit line of the run', () => execs().some((l) => l.outcome === 'ok'));
    expect(execs().some((l) => l.outcome === 'denied')).toBe(true); // the declined confirmation
    expect(readFileSync(audit, 'utf8')).not.toContain('audit-canary-output');
    expect(readFileSync(audit, 'utf8')).not.toContain('listen = 8080');
  });

  it('a timeout closes the socket and says so', async () => {
    yes = true;
    const closed = sim.exec.closedByClient();
    const r = await mcp.call({ alloc_id: allocId, task: 'app', command: ['sleep', '300'], timeout_s: 1 });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('did not exit within 1 s; the connection was closed');
    await until('the simulator saw the socket close', () => sim.exec.closedByClient() === closed + 1);
    expect(sim.exec.open()).toBe(0);
    expect(sim.exec.log.at(-1)).toMatchObject({ command: ['sleep', '300'], outcome: 'closed' });
  });

  it('cancelling the call closes the socket', async () => {
    yes = true;
    const closed = sim.exec.closedByClient();
    const ac = new AbortController();
    const call = mcp.call({ alloc_id: allocId, task: 'app', command: ['sleep', '300'], timeout_s: 300 }, ac.signal);
    await until('the command runs', () => sim.exec.open() === 1);
    ac.abort();
    await expect(call).rejects.toThrow();
    await until('the simulator saw the socket close', () => sim.exec.closedByClient() === closed + 1);
    expect(sim.exec.open()).toBe(0);
  });
});

describe('exec_in_allocation under a token without alloc-exec', () => {
  it('names the capability Nomad wanted', async () => {
    const mcp = await confirming(['--allow-exec'], { NOMAD_ADDR: sim.url, NOMAD_TOKEN: READER }, () => true);
    try {
      const r = await mcp.call({ alloc_id: allocId, task: 'app', command: ['ls'] });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/Permission denied/);
      expect(r.text).toMatch(/alloc-exec/);
      expect(sim.exec.log.at(-1)).toMatchObject({ outcome: 'refused', reason: 'Permission denied' });
    } finally {
      await mcp.close();
    }
  });
});
