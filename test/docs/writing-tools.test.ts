import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
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
  const loaded = loadCatalog([BUILTIN_TOOLS_DIR, EXAMPLES], { plugins, upstreams: upstreams.names() });
  expect(loaded.problems.map(formatProblem)).toEqual([]);
  expect(loaded.mismatches.map(formatProblem)).toEqual([]);
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

/** The CLI, run from `cwd` (outside the repository: no node_modules/nomad-mcp above it). */
function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'run.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: 'http://127.0.0.1:1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('README and docs/writing-tools.md, outside the repository', () => {
  it('README "Writing a tool": the example validates and the command shown after it runs', { timeout: 120_000 }, () => {
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Writing a tool'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const call = /^npx nomad-mcp (tools call [^#\n]*?)\s*$/m.exec(section)![1].split(/\s+/);
    const project = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-readme-'));
    mkdirSync(path.join(project, 'team-tools'));
    writeFileSync(path.join(project, 'team-tools', 'nodes.yaml'), yaml);
    const v = cli(['tools', 'validate', './team-tools'], project);
    expect(v.out + v.err).toMatch(/: valid\.$/m);
    expect(v.code).toBe(0);
    const r = cli(call, project);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('"Status":"ready"');
    // the export shown next includes the team's tool (issue 16.9)
    const exportArgs = /^npx nomad-mcp (tools export [^#\n]*?)\s*(#.*)?$/m.exec(section)![1].split(/\s+/);
    const e = cli(exportArgs, project);
    expect(e.code, e.out + e.err).toBe(0);
    const exported = JSON.parse(readFileSync(path.join(project, 'claude_nomad_tool.json'), 'utf8')) as { name: string }[];
    expect(exported.map((t) => t.name)).toContain('list_ready_nodes');
    expect(exported.map((t) => t.name)).toContain('list_jobs');
  });

  it('a plugin outside the repository: the plain { name, call } export loads; the nomad-mcp/plugin import does not', { timeout: 120_000 }, () => {
    const team = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-plugin-'));
    mkdirSync(path.join(team, 'team-tools'));
    mkdirSync(path.join(team, 'plugins'));
    copyFileSync(path.join(EXAMPLES, 'plugin-tool.yaml'), path.join(team, 'team-tools', 'count.yaml'));
    const unknown = cli(['tools', 'validate', './team-tools'], team);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toMatch(/count\.yaml:\d+:\d+: count_jobs_by_status: unknown plugin "count-jobs" .*plugins: in the config file/);

    writeFileSync(path.join(team, 'nomad-mcp.config.yaml'), 'plugins: [./plugins/count-jobs.js]\ntoolsDirs: [./team-tools]\n');
    copyFileSync(path.join(EXAMPLES, 'plugins', 'count-jobs-plain.js'), path.join(team, 'plugins', 'count-jobs.js'));
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-cwd-'));
    const args = ['tools', 'call', 'count_jobs_by_status', '--demo', '--config', path.join(team, 'nomad-mcp.config.yaml')];
    const ok = cli(args, elsewhere);
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.out).toMatch(/\d+ running.*\(namespace default\)/);
    expect(cli(['tools', 'validate', './team-tools'], team).code).toBe(0);

    // (only where no node_modules/nomad-mcp above the temp dir would resolve the import after all)
    const ancestors = team.split(path.sep).map((_, i, parts) => parts.slice(0, i + 1).join(path.sep) || path.sep);
    if (ancestors.some((d) => existsSync(path.join(d, 'node_modules', 'nomad-mcp')))) return;
    copyFileSync(path.join(EXAMPLES, 'plugins', 'count-jobs.js'), path.join(team, 'plugins', 'count-jobs.js'));
    const missing = cli(args, elsewhere);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("Cannot find package 'nomad-mcp'");
  });
});
