import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { type Served, spawnServe } from './http-harness.js';
import { modernOverHttp, rawModern } from './protocol-clients.js';

/**
 * Three `serve --http --stateless` replicas against one simulator, behind a round-robin proxy with no
 * affinity (each request goes to the next replica), all with one state key file: what a team runs on Nomad.
 * They run with dynamic toolsets (`--toolsets dynamic`): a call reaches any tool the filters allow, so the
 * calls below need no enabling; the last test enables a toolset on one replica and uses it on the others.
 */
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const KEY = randomBytes(32);

interface Hop {
  replica: number;
  method: string;
  retry: boolean;
}

let sim: Simulator;
const replicas: Served[] = [];
let proxy: http.Server;
let proxyUrl = '';
const hops: Hop[] = [];

/** Round robin: request n goes to replica n mod 3; a client that goes away aborts the forwarded request. */
function startProxy(): Promise<void> {
  let next = 0;
  proxy = http.createServer((req, res) => {
    const replica = next++ % replicas.length;
    const target = new URL(req.url ?? '/', replicas[replica].url);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let msg: { method?: string; params?: { requestState?: unknown } } = {};
      try {
        msg = JSON.parse(body.toString() || '{}');
      } catch {
        // not JSON: forwarded as it is
      }
      hops.push({ replica, method: msg.method ?? req.method ?? '', retry: typeof msg.params?.requestState === 'string' });
      const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(body);
    });
  });
  return new Promise((r) => proxy.listen(0, '127.0.0.1', () => ((proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`), r())));
}

const text = (r: { content?: unknown }) => ((r.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-replicas-'));
  const keyFile = path.join(dir, 'state.key');
  writeFileSync(keyFile, `${KEY.toString('hex')}\n`);
  const args = ['--stateless', '--state-key-file', keyFile, '--allow-destructive', '--auth-token', ALICE, '--auth-token', BOB, '--toolsets', 'dynamic'];
  replicas.push(...(await Promise.all([0, 1, 2].map(() => spawnServe(args, { NOMAD_ADDR: sim.url })))));
  await startProxy();
}, 60_000);
afterAll(async () => {
  proxy?.close();
  await Promise.all(replicas.map((r) => r.stop()));
  await sim?.close();
});

describe('three stateless replicas behind a round-robin proxy', () => {
  it('a 2026-07-28 client: 30 calls on all three, a confirmation answered by another replica, progress, cancellation', async () => {
    const c = await modernOverHttp(proxyUrl, { confirm: () => true, headers: { authorization: `Bearer ${ALICE}` } });
    let calls = 0;
    const call = async (name: string, args: Record<string, unknown>, opts?: object) => {
      calls++;
      return (await c.callTool({ name, arguments: args }, opts)) as CallToolResult;
    };
    for (let i = 0; i < 12; i++) {
      const r = await call(i % 2 ? 'get_job' : 'list_jobs', i % 2 ? { job_id: 'web' } : {});
      expect(r.isError, text(r)).toBeFalsy();
    }

    // a destructive call: input-required from one replica, the confirmed retry on the next one
    const before = sim.requests.filter((q) => q.method === 'DELETE' && q.path === '/v1/job/batch-report').length;
    const from = hops.length;
    const purged = await call('stop_job', { job_id: 'batch-report', purge: true });
    expect(purged.isError, text(purged)).toBeFalsy();
    const rounds = hops.slice(from).filter((h) => h.method === 'tools/call');
    expect(rounds.map((h) => h.retry)).toEqual([false, true]);
    expect(rounds[0].replica).not.toBe(rounds[1].replica);
    expect(sim.requests.filter((q) => q.method === 'DELETE' && q.path === '/v1/job/batch-report').length).toBe(before + 1);

    // wait_for_deployment reports progress through whichever replica answers
    const job = {
      ID: 'web', Name: 'web', Type: 'service', Datacenters: ['dc1'],
      TaskGroups: [{ Name: 'frontend', Count: 2, Tasks: [{ Name: 'server', Driver: 'docker', Config: { image: 'nginx:1.29' }, Resources: { CPU: 500, MemoryMB: 256 } }] }],
    };
    sim.state.deploymentMs = 2500;
    const reg = await call('create_job', { job }).finally(() => {
      sim.state.deploymentMs = 400;
    });
    expect(reg.isError, text(reg)).toBeFalsy();
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const waited = await call('wait_for_deployment', { job_id: 'web', timeout_s: 30 }, { onprogress: (p: (typeof progress)[0]) => progress.push(p), timeout: 60_000 });
    expect(text(waited)).toMatch(/^Deployment [0-9a-f]{8} of job web \(version \d+\) succeeded/);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatchObject({ total: 2 });

    // cancelling follow_job_logs closes the request, and so Nomad's log stream
    const open = sim.openStreams();
    const ac = new AbortController();
    const following = call('follow_job_logs', { job_id: 'web', seconds: 60 }, { signal: ac.signal });
    await vi.waitFor(() => expect(sim.openStreams()).toBe(open + 1), { timeout: 15_000, interval: 20 });
    ac.abort();
    await expect(following).rejects.toThrow(/abort/i);
    await vi.waitFor(() => expect(sim.openStreams()).toBe(open), { timeout: 15_000, interval: 20 });

    while (calls < 30) expect((await call('get_job', { job_id: 'web' })).isError).toBeFalsy();
    const served = new Set(hops.filter((h) => h.method === 'tools/call').map((h) => h.replica));
    expect([...served].sort()).toEqual([0, 1, 2]);
    await c.close();
  }, 120_000);

  it('an expired state, or one minted for another identity, is refused by every replica and nothing runs', async () => {
    const alice = { authorization: `Bearer ${ALICE}` };
    const args = { name: 'stop_job', arguments: { job_id: 'web', purge: true } };
    const purges = () => sim.requests.filter((q) => q.method === 'DELETE' && q.path === '/v1/job/web').length;
    const before = purges();
    const first = await rawModern(proxyUrl, 'tools/call', args, alice);
    expect(first.body.result.resultType).toBe('input_required');
    const state: string = first.body.result.requestState;
    const yes = { confirm: { action: 'accept', content: { confirm: true } } };

    // re-signed with the shared key but past its expiry
    const body = JSON.parse(Buffer.from(state.slice(3, state.lastIndexOf('.')), 'base64url').toString());
    body.exp = Math.floor(Date.now() / 1000) - 1;
    const b = Buffer.from(JSON.stringify(body)).toString('base64url');
    const expired = `v1.${b}.${createHmac('sha256', KEY).update(`v1.${b}`).digest('base64url')}`;
    for (let i = 0; i < 3; i++) {
      const r = await rawModern(proxyUrl, 'tools/call', { ...args, inputResponses: yes, requestState: expired }, alice);
      expect(r.body.error?.code, JSON.stringify(r.body)).toBe(-32602);
    }
    // the genuine state replayed by another identity
    for (let i = 0; i < 3; i++) {
      const r = await rawModern(proxyUrl, 'tools/call', { ...args, inputResponses: yes, requestState: state }, { authorization: `Bearer ${BOB}` });
      expect(r.body.error?.code, JSON.stringify(r.body)).toBe(-32602);
    }
    expect(purges()).toBe(before);
    // the genuine state, by its own identity, on any replica: runs once
    const ok = await rawModern(proxyUrl, 'tools/call', { ...args, inputResponses: yes, requestState: state }, alice);
    expect(ok.body.result?.isError, JSON.stringify(ok.body)).toBeFalsy();
    expect(purges()).toBe(before + 1);
  }, 60_000);

  it('dynamic toolsets: a toolset enabled on one replica is called through another and listed by the third (the handle travels)', async () => {
    const alice = { authorization: `Bearer ${ALICE}` };
    const from = hops.length;
    const enabled = await rawModern(proxyUrl, 'tools/call', { name: 'enable_toolset', arguments: { toolset: 'deployments' } }, alice);
    const s = enabled.body.result.structuredContent as { handle: string; tools: { name: string }[] };
    expect(s.tools.map((t) => t.name)).toContain('list_deployments');
    // the model calls a tool from the answer at once: the next request, on the next replica
    const called = await rawModern(proxyUrl, 'tools/call', { name: 'list_deployments', arguments: {} }, alice);
    expect(called.body.result.isError, JSON.stringify(called.body)).toBeFalsy();
    // a client that sends the handle back gets the toolset listed by yet another replica; without it, not
    const listed = await rawModern(proxyUrl, 'tools/list', { _meta: { 'nomad-mcp/toolsets': s.handle } }, alice);
    expect(listed.body.result.tools.map((t: { name: string }) => t.name)).toContain('list_deployments');
    expect(hops.slice(from).map((h) => h.replica).sort()).toEqual([0, 1, 2]);
    const bare = await rawModern(proxyUrl, 'tools/list', {}, alice);
    expect(bare.body.result.tools.map((t: { name: string }) => t.name)).not.toContain('list_deployments');
  }, 60_000);
});
