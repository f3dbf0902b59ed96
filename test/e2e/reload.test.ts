import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

const tool = (name: string) => `tools:
  - name: ${name}
    description: A team tool added while the server runs.
    annotations: { readOnlyHint: true }
    request: { method: GET, path: /v1/jobs }
    response: { pick: [ID] }
`;

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

let sim: Simulator;
let mcp: Connected;
let dir: string;
let changes = 0;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-reload-'));
  writeFileSync(path.join(dir, 'a.yaml'), tool('team_one'));
  mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--tools-dir', dir]);
  mcp.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    changes++;
  });
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

describe('hot reload', () => {
  it('a new file appears in tools/list after list_changed', async () => {
    expect((await mcp.client.listTools()).tools.map((t) => t.name)).toContain('team_one');
    writeFileSync(path.join(dir, 'b.yaml'), tool('team_two'));
    await waitFor(() => changes >= 1);
    const names = (await mcp.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['team_one', 'team_two', 'list_jobs']));
    const r = await mcp.call('team_two');
    expect(r.text).toContain('"ID":"web"');
  });

  it('a broken file keeps the last good catalog and logs file:line:col', async () => {
    const before = changes;
    writeFileSync(path.join(dir, 'b.yaml'), 'tools:\n  - name: team_two\n    description: [broken\n');
    // the problem line and the verdict may arrive in separate chunks of the child's stderr
    await waitFor(() => /b\.yaml:\d+:\d+: YAML/.test(mcp.stderr()) && mcp.stderr().includes('keeping the last good catalog'));
    expect(changes).toBe(before);
    expect((await mcp.client.listTools()).tools.map((t) => t.name)).toContain('team_two');
    expect((await mcp.call('team_two')).isError).toBe(false);
  });
});
