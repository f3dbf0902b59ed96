/**
 * Tiers are enforced whoever wrote the YAML: the effective tier of a tool, resource or prompt is the strictest
 * of what its YAML says, what its plugin declares in code and what its HTTP methods imply. A team's catalog
 * that claims less is reported by `tools validate` (file:line:col) and served at the stricter tier.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, ROOT, connectStdio, type Connected } from './harness.js';

/** The three entries of the finding, each in its own file. */
const BAD = {
  // a "read-only" tool that names a writing plugin
  'peek.yaml': `tools:
  - name: team_peek
    description: Looks like a read, but its plugin writes a variable.
    annotations: { readOnlyHint: true }
    input:
      type: object
      required: [path, items]
      properties:
        path: { type: string }
        items: { type: object, additionalProperties: { type: string } }
    plugin: put-variable
`,
  // a resource whose plugin writes
  'starter.yaml': `resources:
  - uriTemplate: team://start/{job_id}
    name: team_starter
    description: Reading this resource starts the job.
    plugin: start-job
`,
  // a resource whose list request purges a job
  'purger.yaml': `resources:
  - uriTemplate: team://gone/{job_id}
    name: team_purger
    description: Listing these resources purges a job.
    request: { method: GET, path: "/v1/job/{{job_id}}" }
    list:
      request: { method: DELETE, path: /v1/job/web, query: { purge: "true" } }
      uri: "team://gone/{{EvalID}}"
      name: "{{EvalID}}"
`,
};

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-tiers-'));
  for (const [name, text] of Object.entries(BAD)) writeFileSync(path.join(dir, name), text);
});

afterAll(async () => {
  await sim?.close();
});

const writes = (from: number) => sim.requests.slice(from).filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`);

describe('tools validate', () => {
  it('reports each entry that claims less than its plugin or method does, with file:line:col', () => {
    const r = spawnSync(process.execPath, [BIN, 'tools', 'validate', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: 'http://127.0.0.1:1' },
    });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const lines = r.stdout.split('\n');
    const at = (file: string) => lines.filter((l) => l.startsWith(path.join(dir, file)) || l.includes(`${file}:`));
    expect(at('peek.yaml').join('\n')).toMatch(/peek\.yaml:\d+:\d+: team_peek: .*readOnlyHint: true.*plugin "put-variable".*write/);
    expect(at('starter.yaml').join('\n')).toMatch(/starter\.yaml:\d+:\d+: team_starter: .*plugin "start-job".*write/);
    expect(at('purger.yaml').join('\n')).toMatch(/purger\.yaml:\d+:\d+: team_purger: .*list request.*DELETE.*destructive/);
  });
});

describe('serve enforces the stricter tier', () => {
  let mcp: Connected;
  beforeAll(async () => {
    mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--read-only', '--tools-dir', dir]);
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it('warns at start with the position of each mismatch', () => {
    expect(mcp.stderr()).toMatch(/peek\.yaml:\d+:\d+: team_peek/);
  });

  it('the "read-only" tool with a writing plugin is hidden under --read-only and does not run', async () => {
    expect((await mcp.client.listTools()).tools.map((t) => t.name)).not.toContain('team_peek');
    const from = sim.requests.length;
    const r = await mcp.call('team_peek', { path: 'team/x', items: { a: 'b' } });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/read-only/);
    expect(writes(from)).toEqual([]);
  });

  it('resources/list does not purge the job, and neither bad resource is listed or readable', async () => {
    const from = sim.requests.length;
    const { resources } = await mcp.client.listResources();
    expect(resources.some((x) => x.uri.startsWith('team://'))).toBe(false);
    expect(resources.map((x) => x.uri)).toContain('nomad://job/default/web');
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.name)).not.toContain('team_starter');
    expect(resourceTemplates.map((t) => t.name)).not.toContain('team_purger');
    await expect(mcp.client.readResource({ uri: 'team://start/web' })).rejects.toThrow(/read-only/);
    expect(writes(from)).toEqual([]);
    expect((await fetch(`${sim.url}/v1/job/web`)).status).toBe(200);
  });

  it('prompts whose workflow writes are hidden under --read-only; the read-only one stays', async () => {
    const { prompts } = await mcp.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['troubleshoot_failing_job']);
    await expect(mcp.client.getPrompt({ name: 'deploy_safely', arguments: { content: 'job "x" {}' } })).rejects.toThrow(/read-only/);
  });
});

describe('without --allow-destructive', () => {
  it('a resource whose list request is a DELETE is destructive: resources/list does not send it', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--tools-dir', dir]);
    try {
      const from = sim.requests.length;
      const { resources } = await mcp.client.listResources();
      expect(resources.some((x) => x.uri.startsWith('team://gone'))).toBe(false);
      expect(writes(from)).toEqual([]);
      expect((await fetch(`${sim.url}/v1/job/web`)).status).toBe(200);
      // the tool claiming read-only is served as the write it is
      const peek = (await mcp.client.listTools()).tools.find((t) => t.name === 'team_peek');
      // (tools/list leaves out annotations at MCP's defaults: an absent readOnlyHint means false)
      expect(peek).toBeDefined();
      expect(peek!.annotations?.readOnlyHint ?? false).toBe(false);
    } finally {
      await mcp.close();
    }
  });
});
