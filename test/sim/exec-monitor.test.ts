/**
 * The simulator's alloc exec websocket and agent monitor, spoken to as Nomad's own client would:
 * frame shapes, the order of Nomad's checks and their texts, and what a monitor sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Simulator } from '../../src/sim/index.js';
import { call, eventually, frameData, readUntil, splitFrames, start } from './helpers.js';

const MGMT = 'sim-exec-management';
const READER = 'sim-exec-reader';
const EXECER = 'sim-exec-execer';

interface Session {
  frames: Record<string, unknown>[];
  close: { code: number; reason: string };
  status: number;
}

/** One exec session: the frames received and how the connection ended. */
function exec(sim: Simulator, alloc: string, task: string, command: unknown, token = MGMT): Promise<Session> {
  const q = `task=${encodeURIComponent(task)}&tty=false&command=${encodeURIComponent(typeof command === 'string' ? command : JSON.stringify(command))}`;
  const ws = new WebSocket(`${sim.url.replace(/^http/, 'ws')}/v1/client/allocation/${alloc}/exec?${q}`, { headers: { 'X-Nomad-Token': token } });
  const frames: Record<string, unknown>[] = [];
  let status = 0;
  return new Promise((resolve) => {
    ws.on('upgrade', (res) => (status = res.statusCode ?? 0));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ frames, close: { code: 0, reason: body }, status: res.statusCode ?? 0 }));
    });
    ws.on('open', () => ws.send(JSON.stringify({ stdin: { close: true } })));
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    ws.on('close', (code, reason) => resolve({ frames, close: { code, reason: reason.toString() }, status }));
    ws.on('error', () => {});
  });
}

const out = (s: Session, stream: 'stdout' | 'stderr') =>
  s.frames.map((f) => (f[stream] as { data?: string } | undefined)?.data ?? '').map((d) => Buffer.from(d, 'base64').toString()).join('');

let sim: Simulator;
let alloc: string;

beforeAll(async () => {
  sim = await start({
    seed: 'demo',
    heartbeatMs: 50,
    aclTokens: [MGMT],
    acl: {
      policies: {
        reader: 'namespace "*" { policy = "read" }',
        execer: 'namespace "*" { capabilities = ["read-job", "alloc-exec"] }\nagent { policy = "read" }',
      },
      tokens: [
        { name: 'reader', secret: READER, policies: ['reader'] },
        { name: 'execer', secret: EXECER, policies: ['execer'] },
      ],
    },
  });
  alloc = [...sim.state.allocs.values()].find((a) => a.JobID === 'web' && a.ClientStatus === 'running')!.ID;
});
afterAll(() => sim.close());

describe('simulator: alloc exec websocket', () => {
  it('sends output in frames, closes each stream, then the exit frame (exit code 0 left out) and drops the connection', async () => {
    const s = await exec(sim, alloc, 'server', ['echo', 'hello', 'world']);
    expect(s.status).toBe(101);
    expect(out(s, 'stdout')).toBe('hello world\n');
    expect(s.frames.slice(-3)).toEqual([{ stdout: { close: true } }, { stderr: { close: true } }, { exited: true, result: {} }]);
    // gorilla's ws.Close() after the handler: no close frame (1006 abnormal closure)
    expect(s.close.code).toBe(1006);
    const failing = await exec(sim, alloc, 'server', ['sh', '-c', 'exit 7']);
    expect(failing.frames.at(-1)).toEqual({ exited: true, result: { exit_code: 7 } });
  });

  it('reads the task view: env, ls, cat of a log, 1024-byte output frames; unknown programs as docker reports them', async () => {
    const env = out(await exec(sim, alloc, 'server', ['env']), 'stdout');
    expect(env).toContain(`NOMAD_ALLOC_ID=${alloc}\n`);
    expect(env).toContain('NOMAD_TASK_NAME=server\n');
    expect(out(await exec(sim, alloc, 'server', ['ls', '/']), 'stdout')).toBe('alloc\nlocal\nsecrets\ntmp\n');
    sim.setLogSize(alloc, 'server', 'stdout', 5000);
    const cat = await exec(sim, alloc, 'server', ['cat', '/alloc/logs/server.stdout.0']);
    expect(out(cat, 'stdout')).toHaveLength(5000);
    const sizes = cat.frames.map((f) => Buffer.from((f.stdout as { data?: string } | undefined)?.data ?? '', 'base64').length).filter(Boolean);
    expect(Math.max(...sizes)).toBe(1024);
    const missing = await exec(sim, alloc, 'server', ['cat', 'nope']);
    expect(out(missing, 'stderr')).toBe('cat: nope: No such file or directory\n');
    expect(missing.frames.at(-1)).toEqual({ exited: true, result: { exit_code: 1 } });
    const unknown = await exec(sim, alloc, 'server', ['htop']);
    expect(out(unknown, 'stdout')).toContain('exec: "htop": executable file not found in $PATH');
    expect(unknown.frames.at(-1)).toEqual({ exited: true, result: { exit_code: 127 } });
    const shell = await exec(sim, alloc, 'server', ['sh', '-c', 'htop']);
    expect([out(shell, 'stderr'), shell.frames.at(-1)]).toEqual(['sh: 1: htop: not found\n', { exited: true, result: { exit_code: 127 } }]);
  });

  it('refuses in Nomad\'s order with its texts, as close frames (1011 for a 500, 1008 otherwise)', async () => {
    expect((await exec(sim, alloc, 'server', ['ls'], 'made-up')).close).toEqual({ code: 1011, reason: 'Permission denied' });
    expect((await exec(sim, 'not-an-alloc', 'server', ['ls'])).close).toEqual({ code: 1008, reason: 'Unknown allocation "not-an-alloc"' });
    expect((await exec(sim, alloc, 'server', ['ls'], READER)).close).toEqual({ code: 1011, reason: 'Permission denied' });
    expect((await exec(sim, alloc, 'nope', ['ls'], EXECER)).close).toEqual({ code: 1008, reason: 'unknown task name "nope"' });
    expect((await exec(sim, alloc, '', ['ls'])).close).toEqual({ code: 1008, reason: 'must provide task name' });
    expect((await exec(sim, alloc, 'server', [])).close).toEqual({ code: 1008, reason: 'command is not present' });
    const stopped = [...sim.state.allocs.values()].find((a) => ['complete', 'failed', 'lost'].includes(a.ClientStatus))!;
    expect((await exec(sim, stopped.ID, 'x', ['ls'])).close).toEqual({
      code: 1008,
      reason: `exec not possible, client status of allocation ${stopped.ID} is ${stopped.ClientStatus}`,
    });
    // a command that is not a JSON array is refused before the upgrade
    const bad = await exec(sim, alloc, 'server', 'ls -l');
    expect([bad.status, bad.close.reason]).toEqual([500, "failed to marshal command into json: invalid character 'l' looking for beginning of value"]);
    expect(sim.exec.log.filter((r) => r.outcome === 'refused').length).toBeGreaterThanOrEqual(7);
  });

  it('a client that closes while the command runs is counted, and the session ends', async () => {
    const before = sim.exec.closedByClient();
    const ws = new WebSocket(`${sim.url.replace(/^http/, 'ws')}/v1/client/allocation/${alloc}/exec?task=server&tty=false&command=${encodeURIComponent('["sleep","300"]')}`, {
      headers: { 'X-Nomad-Token': MGMT },
    });
    await new Promise((r) => ws.on('open', r));
    await eventually(() => sim.exec.open() === 1);
    ws.close();
    await eventually(() => sim.exec.closedByClient() === before + 1);
    expect(sim.exec.open()).toBe(0);
    expect(sim.exec.log.at(-1)).toMatchObject({ command: ['sleep', '300'], outcome: 'closed' });
  });
});

describe('simulator: agent monitor', () => {
  const H = { 'X-Nomad-Token': MGMT };

  it('checks its parameters first, then agent:read; an unknown token gets an empty stream', async () => {
    expect(await call(sim, 'GET', '/v1/agent/monitor?log_level=loud', undefined, H)).toMatchObject({ status: 400, text: 'Unknown log level: loud' });
    expect(await call(sim, 'GET', '/v1/agent/monitor?log_level=loud', undefined, { 'X-Nomad-Token': READER })).toMatchObject({ status: 400 });
    expect(await call(sim, 'GET', '/v1/agent/monitor', undefined, { 'X-Nomad-Token': READER })).toMatchObject({ status: 403, text: 'Permission denied' });
    expect(await call(sim, 'GET', '/v1/agent/monitor?node_id=x&server_id=y', undefined, H)).toMatchObject({ status: 400, text: 'Cannot target node and server simultaneously' });
    expect(await call(sim, 'GET', '/v1/agent/monitor?node_id=nope', undefined, H)).toMatchObject({ status: 500, text: 'RPC Error:: 404,Unknown node "nope"' });
    expect(await call(sim, 'GET', '/v1/agent/monitor', undefined, { 'X-Nomad-Token': 'made-up' })).toMatchObject({ status: 200, text: '' });
  });

  it('sends only new lines at the level asked for and above, framed with FileEvent "log", heartbeats between', async () => {
    sim.agentLog('WARN', 'nomad', 'before the monitor opened');
    const ac = new AbortController();
    const res = await fetch(`${sim.url}/v1/agent/monitor?log_level=warn`, { headers: { 'X-Nomad-Token': EXECER }, signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('application/json');
    await eventually(() => sim.monitors() === 1);
    sim.agentLog('DEBUG', 'nomad', 'too low');
    sim.agentLog('INFO', 'nomad', 'still too low');
    sim.agentLog('ERROR', 'nomad.fsm', 'apply failed', { index: 42 });
    const text = await readUntil(res, (t) => t.includes('}{}'), 5000);
    ac.abort();
    const frames = splitFrames(text);
    expect(frames[0]).toMatchObject({ FileEvent: 'log' });
    expect(frameData(frames)).toMatch(/^\S+ \[ERROR\] nomad\.fsm: apply failed: index=42\n$/);
    expect(frames.slice(1).every((f) => Object.keys(f).length === 0)).toBe(true);
    await eventually(() => sim.monitors() === 0);
  });

  it('with node_id, only that node\'s client lines (an exec session is logged at INFO with its command)', async () => {
    const node = sim.state.allocs.get(alloc)!.NodeID;
    const ac = new AbortController();
    const res = await fetch(`${sim.url}/v1/agent/monitor?node_id=${node}&plain=true`, { headers: H, signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/plain');
    await eventually(() => sim.monitors() === 1);
    await call(sim, 'GET', '/v1/status/leader');
    await exec(sim, alloc, 'server', ['echo', 'hi']);
    const text = await readUntil(res, (t) => t.includes('session ended'), 5000);
    ac.abort();
    expect(text).toMatch(/^\S+ \[INFO\]  client: task exec session starting: exec_id=\S+ alloc_id=\S+ task=server command="\[echo hi\]" tty=false/);
    expect(text).toContain('client: task exec session ended');
    expect(text).not.toContain('request complete');
  });
});
