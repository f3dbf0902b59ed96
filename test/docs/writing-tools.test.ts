import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { loadConfig } from '../../src/host/config.js';
import { formatProblem } from '../../src/host/errors.js';
import { createLogger } from '../../src/host/log.js';
import { BUILTIN_TOOLS_DIR, PACKAGE_ROOT } from '../../src/host/paths.js';
import type { Plugin } from '../../src/host/plugin.js';
import { ToolHost } from '../../src/host/server.js';
import { UpstreamRegistry } from '../../src/host/upstream.js';
import { builtinPlugins } from '../../src/plugins/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const EXAMPLES = path.join(PACKAGE_ROOT, 'docs', 'examples');
let sim: Simulator;
let billing: http.Server;
let billingSeen: { url?: string; auth?: string }[] = [];
let host: ToolHost;
let upstreams: UpstreamRegistry;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  billing = http.createServer((req, res) => {
    billingSeen.push({ url: req.url, auth: req.headers.authorization });
    const m = /^\/api\/teams\/([^/]+)\/budget$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"team not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: decodeURIComponent(m[1]), budget_usd: 1000, spent_usd: 420, internal: 'x' }));
  });
  await new Promise<void>((r) => billing.listen(0, '127.0.0.1', r));
  const config = await loadConfig({ address: sim.url }, { BILLING_TOKEN: 'billing-secret' }, EXAMPLES);
  config.upstreams.billing = { url: `http://127.0.0.1:${(billing.address() as AddressInfo).port}`, tokenEnv: 'BILLING_TOKEN', token: 'billing-secret' };
  const plugins = builtinPlugins();
  const mod = (await import(pathToFileURL(path.join(EXAMPLES, 'plugins', 'count-jobs.js')).href)) as { default: Plugin };
  plugins.set(mod.default.name, mod.default);
  upstreams = new UpstreamRegistry(config.upstreams, 5000);
  const loaded = loadCatalog([BUILTIN_TOOLS_DIR, EXAMPLES], { plugins: [...plugins.keys()], upstreams: upstreams.names() });
  expect(loaded.problems.map(formatProblem)).toEqual([]);
  host = new ToolHost({ config, upstreams, plugins, log: createLogger('error'), tools: loaded.tools });
});

afterAll(async () => {
  await upstreams?.close();
  await sim?.close();
  billing?.close();
});

describe('docs/writing-tools.md examples', () => {
  it('read tool: list_ready_nodes', async () => {
    const r = await host.call('list_ready_nodes', {});
    expect(r.isError).toBe(false);
    expect(r.text).toContain('"Datacenter":"dc1"');
    expect(r.text).not.toContain('Drivers');
    const q = sim.requests.filter((x) => x.path === '/v1/nodes').pop()!;
    expect(q.query.filter).toBe('Status == "ready"');
    expect(q.query.prefix).toBeUndefined();
  });

  it('write tool: scale_group sends a typed body', async () => {
    const from = sim.requests.length;
    const r = await host.call('scale_group', { job_id: 'web', group: 'frontend', count: 3 });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toMatch(/^Group frontend of web scaled to 3; evaluation [0-9a-f]{8}\.$/);
    const q = sim.requests.slice(from).find((x) => x.path === '/v1/job/web/scale')!;
    expect(JSON.parse(q.body)).toEqual({ Count: 3, Target: { Group: 'frontend' }, Message: 'scaled by nomad-mcp to 3' });
  });

  it('shaped composite: job_brief', async () => {
    const r = await host.call('job_brief', { job_id: 'web' });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toMatch(/^web \(service\) is running at version \d+\.\nfrontend: \d+ running, 0 queued, 0 failed\./);
  });

  it('second upstream: get_team_budget', async () => {
    billingSeen = [];
    const r = await host.call('get_team_budget', { team: 'platform/eu' });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toEqual({ team: 'platform/eu', budget: 1000, spent: 420 });
    expect(billingSeen[0]).toEqual({ url: '/api/teams/platform%2Feu/budget', auth: 'Bearer billing-secret' });
  });

  it('plugin: count_jobs_by_status', async () => {
    const r = await host.call('count_jobs_by_status', {});
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toMatch(/\d+ running.*\(namespace default\)/);
  });
});
