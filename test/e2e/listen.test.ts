import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { type Served, spawnServe } from './http-harness.js';
import { modernOverHttp, modernOverStdio } from './protocol-clients.js';

const tool = (name: string) => `tools:
  - name: ${name}
    description: A team tool added while the server runs.
    annotations: { readOnlyHint: true }
    request: { method: GET, path: /v1/jobs }
    response: { pick: [ID] }
`;

let sim: Simulator;
let srv: Served;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-listen-'));
  writeFileSync(path.join(dir, 'a.yaml'), tool('team_one'));
  srv = await spawnServe(['--tools-dir', dir], { NOMAD_ADDR: sim.url });
});
afterAll(async () => {
  await srv?.stop();
  await sim?.close();
});

describe('list_changed after a hot reload reaches 2026-07-28 clients through subscriptions/listen', () => {
  it('over HTTP and over stdio', async () => {
    const http = await modernOverHttp(srv.url);
    const stdio = await modernOverStdio({ NOMAD_ADDR: sim.url }, ['--tools-dir', dir]);
    const seen = { http: 0, stdio: 0 };
    http.setNotificationHandler('notifications/tools/list_changed', async () => void seen.http++);
    stdio.setNotificationHandler('notifications/tools/list_changed', async () => void seen.stdio++);
    const subs = [await http.listen({ toolsListChanged: true }), await stdio.listen({ toolsListChanged: true })];
    expect((await http.listTools()).tools.map((t) => t.name)).not.toContain('team_two');
    writeFileSync(path.join(dir, 'b.yaml'), tool('team_two'));
    await vi.waitFor(() => expect(seen).toEqual({ http: 1, stdio: 1 }), { timeout: 15_000, interval: 25 });
    // the cached list is refreshed on the announcement
    expect((await http.listTools()).tools.map((t) => t.name)).toContain('team_two');
    expect((await stdio.listTools()).tools.map((t) => t.name)).toContain('team_two');
    for (const s of subs) await s.close();
    await http.close();
    await stdio.close();
  }, 60_000);
});
