import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { JOB_TAG_MAX, LINE_LEN, LogStore } from '../../src/sim/logstore.js';
import { call, eventually, frameData, readUntil, splitFrames, start } from './helpers.js';

describe('simulator: task logs', () => {
  let sim: Simulator;
  let alloc: string;
  const logs = (q: string) => `/v1/client/fs/logs/${alloc}?${q}`;

  beforeAll(async () => {
    sim = await start({ seed: 'demo', heartbeatMs: 30 });
    alloc = (await call(sim, 'GET', '/v1/job/web/allocations')).json[0].ID;
  });
  afterAll(() => sim.close());

  it('validates parameters with Nomad texts', async () => {
    expect((await call(sim, 'GET', logs('type=stdout'))).text).toBe('must provide task name');
    expect((await call(sim, 'GET', logs('task=server'))).text).toBe('must provide log type (stdout/stderr)');
    const origin = await call(sim, 'GET', logs('task=server&type=stdout&origin=middle'));
    expect([origin.status, origin.text]).toEqual([400, 'origin must be start or end']);
    const task = await call(sim, 'GET', logs('task=nope&type=stdout'));
    expect([task.status, task.text]).toEqual([400, 'unknown task name "nope"']);
    const unknown = await call(sim, 'GET', '/v1/client/fs/logs/deadbeef?task=server&type=stdout');
    expect([unknown.status, unknown.text]).toEqual([404, 'Unknown allocation "deadbeef"']);
  });

  it('frames concatenate to the exact file and Offset is the position after each frame', async () => {
    const r = await call(sim, 'GET', logs('task=server&type=stdout'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const frames = splitFrames(r.text);
    expect(r.text.startsWith('{"Offset":')).toBe(true);
    expect(r.text).not.toContain('}\n{');
    let pos = 0;
    for (const f of frames) {
      const n = Buffer.from(f.Data!, 'base64').length;
      expect(n).toBeLessThanOrEqual(64 * 1024);
      pos += n;
      expect(f.Offset).toBe(pos);
      expect(f.File).toBe('alloc/logs/server.stdout.0');
    }
    const text = frameData(frames);
    const lines = text.split('\n');
    expect(lines).toHaveLength(5001);
    expect(text).toContain('DB_PASSWORD=hunter2');
    expect(text).toContain('Authorization: Bearer abc.def.ghi');
    expect(text).toContain('AKIAIOSFODNN7EXAMPLE');
    const plain = await call(sim, 'GET', logs('task=server&type=stdout&plain=true'));
    expect(plain.text).toBe(text);
  });

  it('generates complete lines of one fixed width, padded before the newline', async () => {
    for (const type of ['stdout', 'stderr']) {
      const text = (await call(sim, 'GET', logs(`task=server&type=${type}&plain=true`))).text;
      const lines = text.split('\n').slice(0, -1);
      expect(lines.length).toBeGreaterThan(100);
      for (const line of lines) {
        expect(line).toHaveLength(LINE_LEN - 1);
        expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z web\[[0-9a-f]{8}\] (INFO |WARN |ERROR|DEBUG) \S.*\S *$/);
        const msg = line.trimEnd();
        if (msg.includes(' served in ')) expect(msg).toMatch(/ served in \d+ms status=(200|404|500)$/);
        if (msg.includes(' took ')) expect(msg).toMatch(/ took \d+ms$/);
        if (msg.includes('upstream timed out')) expect(msg).toMatch(/reading header$/);
        if (msg.includes('client closed')) expect(msg).toMatch(/waiting for request$/);
      }
    }
  });

  it('shortens a long or non-ASCII job name in the tag, never the message', () => {
    const store = new LogStore();
    const long = 'a-very-long-job-name-that-goes-on-and-on-and-on-and-on-for-quite-a-while';
    store.create('0123456789abcdef', 'task', long, 'web', 20, 20, Date.UTC(2026, 0, 1));
    for (const type of ['stdout', 'stderr'] as const) {
      const f = store.get('0123456789abcdef', 'task', type)!;
      // Line numbers with 9 digits (a log over 16 GB) still fit.
      for (const i of [...Array(20).keys(), 123_456_789]) {
        const line = store.line(f, i);
        expect(Buffer.byteLength(line)).toBe(LINE_LEN);
        expect(line.endsWith('\n')).toBe(true);
        expect(line).toContain(` ${long.slice(0, JOB_TAG_MAX - 1)}~[01234567] `);
        expect(line.trimEnd()).toMatch(type === 'stdout'
          ? /(status=\d{3}|took \d+ms|worker processes|0\.0\.0\.0:8080|nginx\.conf)$/
          : /(reading header|waiting for request|limit: 1024)$/);
      }
      // Lines stay contiguous: a byte range spanning lines equals the generated lines.
      expect(store.read(f, LINE_LEN * 2 + 5, LINE_LEN * 4).toString('latin1')).toBe((store.line(f, 2) + store.line(f, 3)).slice(5));
    }
    store.create('fedcba9876543210', 'task', 'jöb-ünïcode', 'app', 5, 5, Date.UTC(2026, 0, 1));
    const f = store.get('fedcba9876543210', 'task', 'stdout')!;
    const line = store.line(f, 4);
    expect(Buffer.byteLength(line)).toBe(LINE_LEN);
    expect(line).toContain(' j?b-?n?code[fedcba98] INFO  heartbeat 0000004 ok queue_depth=');
  });

  it('origin=end&offset=N sends the last N bytes', async () => {
    const all = (await call(sim, 'GET', logs('task=server&type=stdout&plain=true'))).text;
    const framed = await call(sim, 'GET', logs('task=server&type=stdout&origin=end&offset=1000'));
    const frames = splitFrames(framed.text);
    expect(frameData(frames)).toBe(all.slice(-1000));
    expect(frames[frames.length - 1].Offset).toBe(all.length);
    const plain = await call(sim, 'GET', logs('task=server&type=stderr&origin=end&offset=250&plain=true'));
    expect(plain.headers.get('content-type')).toBe('text/plain');
    expect(plain.text).toHaveLength(250);
  });

  it('sends an empty body when there is nothing to send', async () => {
    const r = await call(sim, 'GET', logs('task=server&type=stdout&origin=end&offset=0'));
    expect([r.status, r.text]).toEqual([200, '']);
  });

  it('follows appended data with heartbeats and closes when the client goes away', async () => {
    const ac = new AbortController();
    const res = await fetch(sim.url + logs('task=server&type=stderr&origin=end&offset=0&follow=true'), { signal: ac.signal });
    expect(res.status).toBe(200);
    await eventually(() => sim.openStreams() === 1);
    const idle = await readUntil(res, (t) => t.includes('{}'));
    expect(idle).toMatch(/^(\{\})+$/);
    sim.appendLog(alloc, 'server', 'stderr', 'late line\n');
    const text = await readUntil(res, (t) => t.includes('"Data"'));
    const data = frameData(splitFrames(text));
    expect(data).toBe('late line\n');
    ac.abort();
    await eventually(() => sim.openStreams() === 0);
  });

  it('plain follow streams raw appended bytes', async () => {
    const ac = new AbortController();
    const res = await fetch(sim.url + logs('task=server&type=stdout&origin=end&offset=0&follow=true&plain=true'), { signal: ac.signal });
    await eventually(() => sim.openStreams() === 1);
    sim.appendLog(alloc, 'server', 'stdout', 'raw tail\n');
    expect(await readUntil(res, (t) => t.includes('\n'))).toBe('raw tail\n');
    ac.abort();
    await eventually(() => sim.openStreams() === 0);
  });

  it('serves the tail of a 1 GiB virtual log without generating the rest', async () => {
    sim.setLogSize(alloc, 'server', 'stdout', 1024 ** 3);
    const before = sim.logBytesSent();
    const r = await call(sim, 'GET', logs('task=server&type=stdout&origin=end&offset=65536'));
    const frames = splitFrames(r.text);
    expect(frames).toHaveLength(1);
    expect(frames[0].Offset).toBe(1024 ** 3);
    expect(sim.logBytesSent() - before).toBeLessThanOrEqual(65536);
    const lines = frameData(frames).split('\n');
    expect(lines[lines.length - 2]).toMatch(/^\d{4}-\d\d-\d\dT.* web\[[0-9a-f]{8}\] \w+ /);
  });

  it('gzips streams when asked', async () => {
    const res = await fetch(sim.url + logs('task=server&type=stderr&origin=end&offset=100&plain=true'), { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toHaveLength(100);
  });
});
