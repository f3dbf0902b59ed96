import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogOrThrow } from '../../src/host/catalog.js';
import { ConcurrencyLimiter } from '../../src/host/concurrency.js';
import { loadConfig } from '../../src/host/config.js';
import { ToolError } from '../../src/host/errors.js';
import { createLogger } from '../../src/host/log.js';
import { definePlugin, type Plugin } from '../../src/host/plugin.js';
import { ToolHost } from '../../src/host/server.js';
import { type StreamResponse, UpstreamRegistry } from '../../src/host/upstream.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { eventually } from '../sim/helpers.js';

describe('ConcurrencyLimiter', () => {
  it('gives each key its own slots up to its cap, and refuses beyond it at once', () => {
    const l = new ConcurrencyLimiter(2);
    const a1 = l.tryAcquire('a');
    const a2 = l.tryAcquire('a');
    expect('release' in a1 && 'release' in a2).toBe(true);
    expect(l.tryAcquire('a')).toEqual({ refused: 'key' });
    // another key is not affected
    expect('release' in l.tryAcquire('b')).toBe(true);
    expect(l.held('a')).toBe(2);
    expect(l.held()).toBe(3);
  });

  it('caps all keys together', () => {
    const l = new ConcurrencyLimiter(2, 3);
    l.tryAcquire('a');
    l.tryAcquire('a');
    l.tryAcquire('b');
    expect(l.tryAcquire('c')).toEqual({ refused: 'total' });
    // a key at its own cap is told so, not the total
    expect(l.tryAcquire('a')).toEqual({ refused: 'key' });
  });

  it('counts an undefined key (the local user of stdio) against the total only', () => {
    const l = new ConcurrencyLimiter(1, 3);
    const local = [l.tryAcquire(undefined), l.tryAcquire(undefined)];
    expect(local.every((s) => 'release' in s)).toBe(true);
    expect('release' in l.tryAcquire('a')).toBe(true);
    expect(l.tryAcquire(undefined)).toEqual({ refused: 'total' });
    for (const s of local) if ('release' in s) s.release();
    expect(l.held()).toBe(1);
  });

  it('releases once however often release is called, and forgets a key that holds nothing', () => {
    const l = new ConcurrencyLimiter(1, 2);
    const a = l.tryAcquire('a');
    const b = l.tryAcquire('b');
    if (!('release' in a) || !('release' in b)) throw new Error('expected slots');
    a.release();
    a.release();
    a.release();
    expect(l.held('a')).toBe(0);
    expect(l.held()).toBe(1);
    // a double release did not free b's slot for a third key beyond the total
    expect('release' in l.tryAcquire('a')).toBe(true);
    expect(l.tryAcquire('c')).toEqual({ refused: 'total' });
    b.release();
    expect('release' in l.tryAcquire('c')).toBe(true);
  });
});

describe('the caps in config', () => {
  const dirWith = (yaml: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-caps-'));
    writeFileSync(path.join(dir, 'nomad-mcp.config.yaml'), yaml);
    return dir;
  };

  it('has defaults, reads the config file, and env wins over the file', async () => {
    const none = await loadConfig({}, {}, mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-caps-')));
    expect([none.maxCallsPerClient, none.maxStreamsPerClient, none.maxStreams]).toEqual([16, 4, 32]);
    const dir = dirWith('maxCallsPerClient: 8\nmaxStreamsPerClient: 2\nmaxStreams: 10\n');
    const file = await loadConfig({}, {}, dir);
    expect([file.maxCallsPerClient, file.maxStreamsPerClient, file.maxStreams]).toEqual([8, 2, 10]);
    const env = await loadConfig({}, { NOMAD_MCP_MAX_STREAMS_PER_CLIENT: '6' }, dir);
    expect(env.maxStreamsPerClient).toBe(6);
  });

  it('refuses a cap that is not a whole number of at least 1, naming it', async () => {
    await expect(loadConfig({}, {}, dirWith('maxStreams: 2.5\n'))).rejects.toThrow('NOMAD_MCP_MAX_STREAMS (maxStreams:) must be a whole number of at least 1, got 2.5');
    await expect(loadConfig({}, { NOMAD_MCP_MAX_CALLS_PER_CLIENT: '0' }, dirWith(''))).rejects.toThrow('NOMAD_MCP_MAX_CALLS_PER_CLIENT must be a positive number, got "0"');
  });
});

describe('stream slots of the upstreams (CallOptions.long)', () => {
  let sim: Simulator;
  let ups: UpstreamRegistry;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'demo' });
    ups = new UpstreamRegistry({ nomad: { url: sim.url, tokenHeader: 'X-Nomad-Token', tokenPrefix: '' } }, 5000, { perClient: 2, total: 3 });
  });
  afterAll(async () => {
    await ups?.close();
    await sim?.close();
  });

  const nomad = (caller: string) => ups.get('nomad').with({}, { caller });
  /** Closes a stream the way a reader that stops early does (undici reports the abort as an error event). */
  const close = (s: StreamResponse) => s.body.on('error', () => {}).destroy();
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    return (err as ToolError).message;
  };

  it("holds a slot while a long stream is open, refuses the caller's next one beyond its cap, and frees it on close or abort", async () => {
    const x = nomad('x');
    const abort = new AbortController();
    const s1 = await x.stream('/v1/event/stream', { long: true, signal: abort.signal });
    const s2 = await x.stream('/v1/event/stream', { long: true });
    await eventually(() => sim.openStreams() === 2);
    expect(await refusal(x.stream('/v1/event/stream', { long: true }))).toBe(
      'Too many concurrent log follows, event streams or waits for this client (2); wait for one to finish or cancel it.',
    );
    // a short read (a log tail) takes no slot
    const tail = await x.stream('/v1/status/leader');
    close(tail);
    // the slot is free as soon as the caller aborts, before the socket closes
    abort.abort();
    const s3 = await x.stream('/v1/event/stream', { long: true });
    // ... and when the body is closed
    close(s2);
    await new Promise((r) => s2.body.once('close', r));
    const s4 = await x.stream('/v1/event/stream', { long: true });
    for (const s of [s1, s3, s4]) close(s);
    await eventually(() => sim.openStreams() === 0);
  });

  it('caps long requests of all callers together, and frees the slot of a blocking query when it answers', async () => {
    const held = await Promise.all(['p', 'q', 'r'].map((c) => nomad(c).stream('/v1/event/stream', { long: true })));
    expect(await refusal(nomad('s').stream('/v1/event/stream', { long: true }))).toBe(
      'The server has its maximum of 3 log follows, event streams and waits open (all clients together); try again shortly.',
    );
    close(held[0]);
    await new Promise((r) => held[0].body.once('close', r));
    // a blocking query is long too: it holds a slot while Nomad holds the answer, and gives it back after
    const waiting = nomad('s').get('/v1/jobs', { long: true, query: { index: 1e9, wait: '300ms' } });
    await eventually(() => sim.openStreams() === 3);
    expect(await refusal(nomad('t').stream('/v1/event/stream', { long: true }))).toMatch(/maximum of 3/);
    expect((await waiting).status).toBe(200);
    const t = await nomad('t').stream('/v1/event/stream', { long: true });
    for (const h of [...held.slice(1), t]) close(h);
    await eventually(() => sim.openStreams() === 0);
  });
});

describe('calls per client in the host', () => {
  const gates: (() => void)[] = [];
  const plugins = new Map<string, Plugin>([
    ['held', definePlugin({ name: 'held', call: () => new Promise((r) => gates.push(() => r({ text: 'done' }))) }) as Plugin],
  ]);
  let host: ToolHost;
  let ups: UpstreamRegistry;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-conc-'));
    writeFileSync(
      path.join(dir, 'held.yaml'),
      `tools:\n  - name: held\n    description: Returns when the test says so.\n    annotations: { readOnlyHint: true }\n    plugin: held\n`,
    );
    const config = await loadConfig({ address: 'http://127.0.0.1:9' }, { NOMAD_MCP_MAX_CALLS_PER_CLIENT: '3' }, dir);
    expect(config.maxCallsPerClient).toBe(3);
    ups = new UpstreamRegistry(config.upstreams, config.requestTimeoutMs);
    host = new ToolHost({ config, upstreams: ups, plugins, log: createLogger('silent'), tools: loadCatalogOrThrow([dir], { plugins: ['held'], upstreams: ups.names() }) });
  });
  afterAll(() => ups?.close());

  it("refuses a client's call beyond its cap at once, not another client's, and frees the slot when a call ends", async () => {
    const as = (client: string) => ({ caller: { transport: 'test', client } });
    const running = [1, 2, 3].map(() => host.call('held', {}, as('x')));
    await eventually(() => gates.length === 3);
    const refused = await host.call('held', {}, as('x'));
    expect(refused).toMatchObject({ isError: true, refused: 'busy', text: 'Too many concurrent calls for this client (3); wait for one to finish.' });
    const other = host.call('held', {}, as('y'));
    await eventually(() => gates.length === 4);
    gates.shift()!();
    expect((await running[0]).text).toBe('done');
    const again = host.call('held', {}, as('x'));
    await eventually(() => gates.length === 4);
    for (const g of gates.splice(0)) g();
    for (const r of await Promise.all([...running.slice(1), other, again])) expect(r.text).toBe('done');
  });
});
