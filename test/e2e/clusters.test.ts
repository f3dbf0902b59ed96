/**
 * Several clusters from one server (issue 13): two simulators, `clusters:` with two profiles (east:
 * ACLs on, its token in a file; west: no ACLs, its token in an env variable, its own namespace
 * allow-list and tags). The `cluster` argument routes each call; the simulators' request logs show
 * that each saw only its own token; resources, doctor and the audit name the cluster.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../../src/host/config.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { call, simpleJob } from '../sim/helpers.js';
import { BIN, type Connected, connectStdio, ROOT } from './harness.js';

const EAST_TOKEN = 'east-management-token-0001';
const WEST_TOKEN = 'west-token-0002';

let east: Simulator;
let west: Simulator;
let dir: string;
let config: string;
let auditFile: string;
let mcp: Connected;

/** The X-Nomad-Token values a simulator received (none = ''). */
/** A CLI command run without blocking this process (the simulators answer from it). */
function run(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const tokensSeen = (sim: Simulator) => new Set(sim.requests.map((r) => String(r.headers['x-nomad-token'] ?? '')));

beforeAll(async () => {
  east = await startSimulator({ seed: 'demo', aclTokens: [EAST_TOKEN], port: 0 });
  west = await startSimulator({ seed: 'empty', port: 0 });
  const put = await call(west, 'PUT', '/v1/jobs', { Job: simpleJob('west-only') });
  expect(put.status).toBe(200);
  dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-clusters-'));
  writeFileSync(path.join(dir, 'east.token'), `${EAST_TOKEN}\n`, { mode: 0o600 });
  auditFile = path.join(dir, 'audit.jsonl');
  config = path.join(dir, 'nomad-mcp.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      clusters: {
        east: { address: east.url, tokenFile: 'east.token' },
        west: { address: west.url, tokenEnv: 'WEST_NOMAD_TOKEN', namespaces: ['default'], tags: ['jobs', 'cluster'] },
      },
    }),
  );
  // NOMAD_ADDR and NOMAD_TOKEN point elsewhere: with clusters: they are not used for any cluster
  mcp = await connectStdio({ NOMAD_MCP_CONFIG: config, WEST_NOMAD_TOKEN: WEST_TOKEN, NOMAD_ADDR: 'http://127.0.0.1:1', NOMAD_TOKEN: 'stray-env-token' }, ['--audit-log', auditFile]);
}, 60_000);

afterAll(async () => {
  await mcp?.close();
  await east?.close();
  await west?.close();
});

describe('two clusters over stdio', () => {
  it('offers the cluster argument on Nomad tools only, with the profile names', async () => {
    const { tools } = await mcp.client.listTools();
    const listJobs = tools.find((t) => t.name === 'list_jobs')!;
    expect(listJobs.inputSchema.properties?.cluster).toEqual({ type: 'string', enum: ['east', 'west'] });
    // the default is said once, in the server's instructions
    expect(mcp.client.getInstructions()).toContain('Nomad tools take cluster (east, west); omitted, east.');
    // a Gitea tool is not a Nomad tool
    const gitea = tools.find((t) => t.name === 'list_repositories')!;
    expect(gitea.inputSchema.properties?.cluster).toBeUndefined();
    expect(tools.filter((t) => t.inputSchema.properties?.cluster).length).toBe(tools.length - tools.filter((t) => /repositor/.test(t.name)).length);
  });

  it('routes each call to the cluster it names (the first by default), plugins included', async () => {
    const onWest = await mcp.call('list_jobs', { cluster: 'west' });
    expect(onWest.isError, onWest.text).toBe(false);
    expect(onWest.text).toContain('west-only');
    expect(onWest.text).not.toContain('batch-report');
    const byDefault = await mcp.call('list_jobs', {});
    expect(byDefault.text).toContain('batch-report');
    expect(byDefault.text).not.toContain('west-only');
    // get_job_status is a plugin: its context's Nomad is the named cluster's
    const status = await mcp.call('get_job_status', { job_id: 'west-only', cluster: 'west' });
    expect(status.isError, status.text).toBe(false);
    expect(status.text).toContain('west-only');
    const missing = await mcp.call('get_job_status', { job_id: 'west-only', cluster: 'east' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/not found/i);
  });

  it('says a wrong cluster name plainly, as a tool error', async () => {
    const r = await mcp.call('list_jobs', { cluster: 'north' });
    expect(r.isError).toBe(true);
    expect(r.text).toBe('Unknown cluster "north": this server knows east, west (default east).');
    expect((await mcp.call('list_jobs', { cluster: 'wset' })).text).toBe('Unknown cluster "wset": this server knows east, west (default east). Did you mean west?');
    const typed = await mcp.call('list_jobs', { cluster: 7 });
    expect(typed.isError).toBe(true);
    expect(typed.text).toContain('Unknown cluster 7');
  });

  it('applies each cluster\'s namespace allow-list and tags', async () => {
    const ns = await mcp.call('list_jobs', { cluster: 'west', namespace: 'staging' });
    expect(ns.isError).toBe(true);
    expect(ns.text).toBe('Namespace "staging" is not allowed on cluster west (allowed: default).');
    // east has no allow-list
    expect((await mcp.call('list_jobs', { cluster: 'east', namespace: 'staging' })).isError).toBe(false);
    const tagged = await mcp.call('list_nodes', { cluster: 'west' });
    expect(tagged.isError).toBe(true);
    expect(tagged.text).toBe('list_nodes (tags: nodes, core) is not enabled on cluster west (its tags: jobs, cluster).');
    expect((await mcp.call('list_nodes', { cluster: 'east' })).isError).toBe(false);
  });

  it('names the cluster in resource URIs, lists and reads them per cluster', async () => {
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('nomad://{cluster}/job/{namespace}/{job_id}');
    const { resources } = await mcp.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain('nomad://west/job/default/west-only');
    expect(uris).toContain('nomad://east/job/default/batch-report');
    expect(uris).not.toContain('nomad://east/job/default/west-only');
    const read = await mcp.client.readResource({ uri: 'nomad://west/job/default/west-only' });
    expect((read.contents[0] as { text: string }).text).toContain('west-only');
    await expect(mcp.client.readResource({ uri: 'nomad://east/job/default/west-only' })).rejects.toThrow(/not found/i);
    await expect(mcp.client.readResource({ uri: 'nomad://job/default/west-only' })).rejects.toThrow('a Nomad resource names its cluster: nomad://<cluster>/');
    // west's tags (jobs, cluster) leave the node resource out there
    await expect(mcp.client.readResource({ uri: 'nomad://west/node/any' })).rejects.toThrow('is not enabled on cluster west (its tags: jobs, cluster)');
  });

  it('names the cluster in the audit line', async () => {
    await mcp.call('get_job_status', { job_id: 'west-only', cluster: 'west' });
    await new Promise((r) => setTimeout(r, 200));
    const lines = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.filter((l) => l.tool === 'get_job_status');
    expect(mine.some((l) => l.cluster === 'west')).toBe(true);
    expect(mine.some((l) => l.cluster === 'east')).toBe(true);
    expect(lines.find((l) => l.tool === 'list_jobs' && l.outcome === 'denied' && l.cluster === '?')).toBeDefined();
  });

  it('never sends one cluster\'s token to the other (the simulators\' request logs)', () => {
    expect(east.requests.length).toBeGreaterThan(5);
    expect(west.requests.length).toBeGreaterThan(5);
    expect([...tokensSeen(east)]).toEqual([EAST_TOKEN]);
    // the west simulator got its own token, bar the job this test registered directly
    expect([...tokensSeen(west)].filter(Boolean)).toEqual([WEST_TOKEN]);
    for (const sim of [east, west]) expect(JSON.stringify(sim.requests)).not.toContain('stray-env-token');
  });
});

describe('doctor with two clusters', () => {
  it('checks each profile and prints one block per cluster', async () => {
    const r = await run(['doctor'], { NOMAD_MCP_CONFIG: config, WEST_NOMAD_TOKEN: WEST_TOKEN });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = r.stdout;
    const eastBlock = out.slice(out.indexOf('── cluster east (default)'), out.indexOf('── cluster west'));
    const westBlock = out.slice(out.indexOf('── cluster west'));
    expect(eastBlock).toContain(`✔ nomad        ${east.url}; token from file ${path.join(dir, 'east.token')}`);
    expect(eastBlock).toMatch(/✔ reachable +leader /);
    expect(eastBlock).toMatch(/✔ token +accepted/);
    expect(westBlock).toContain(`✔ nomad        ${west.url}; token from env WEST_NOMAD_TOKEN`);
    expect(westBlock).toMatch(/✔ reachable +leader /);
    expect(westBlock).toContain('ACLs are disabled on this cluster');
  });

  it('fails naming the cluster that is not usable', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clusters: { east: { address: east.url, tokenFile: 'east.token' }, down: { address: 'http://127.0.0.1:1' } } }));
    const r = await run(['doctor'], { NOMAD_MCP_CONFIG: bad });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('── clusters not usable: down');
    expect(r.stdout).toMatch(/✘ reachable +Cannot reach Nomad \(down\) at http:\/\/127\.0\.0\.1:1 \(connection refused\)/);
  });
});

describe('clusters: in the config file', () => {
  const load = async (clusters: unknown) => {
    const f = path.join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify({ clusters }));
    return (await run(['tools', 'list'], { NOMAD_MCP_CONFIG: f })).stderr;
  };

  it('refuses a typo with did-you-mean, two token sources, and a missing address', async () => {
    expect(await load({ a: { address: 'http://x', tokenFiel: 'f' } })).toContain('clusters.a.tokenFiel: unknown key (did you mean clusters.a.tokenFile?)');
    expect(await load({ a: { address: 'http://x', tokenEnv: 'A', sso: true } })).toContain('clusters.a: give one token source, not tokenEnv and sso');
    expect(await load({ a: { region: 'r' } })).toContain('clusters.a.address: missing');
    expect(await load({ 'a b': { address: 'http://x' } })).toContain('a cluster name is letters, digits, - and _');
  });

  it('an sso cluster over stdio (no signed-in user) is a clear tool error, and nothing is sent to it', async () => {
    const f = path.join(dir, 'sso-stdio.json');
    writeFileSync(f, JSON.stringify({ clusters: { west: { address: west.url }, east: { address: east.url, sso: true } } }));
    const before = east.requests.length;
    const c = await connectStdio({ NOMAD_MCP_CONFIG: f });
    try {
      const r = await c.call('list_jobs', { cluster: 'east' });
      expect(r.isError).toBe(true);
      expect(r.text).toBe('Cluster east runs calls as the signed-in user (sso: true): serve with --http --auth oauth to use it.');
      expect((await c.call('list_jobs', {})).text).toContain('west-only');
    } finally {
      await c.close();
    }
    expect(east.requests.length).toBe(before);
  });

  it('loads the README example: three profiles, each with its own upstream, token source, TLS, namespaces and tags', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Several clusters'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const home = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-readme-clusters-'));
    mkdirSync(path.join(home, 'secrets'));
    writeFileSync(path.join(home, 'secrets', 'prod-eu.token'), '\nprod-eu-secret\n');
    writeFileSync(path.join(home, 'nomad-mcp.config.yaml'), yaml);
    const cfg = await loadConfig({}, { NOMAD_TOKEN_STAGING: 'staging-secret', NOMAD_ADDR: 'http://elsewhere:4646', NOMAD_TOKEN: 'stray' }, home);
    expect(cfg.clusters.map((c) => [c.name, c.upstream, c.namespace, c.region, c.sso, c.passthrough])).toEqual([
      ['prod-eu', 'nomad', 'apps', 'eu', false, true],
      ['staging', 'nomad@staging', 'default', undefined, false, false],
      ['lab', 'nomad@lab', 'default', undefined, true, false],
    ]);
    expect(cfg.upstreams.nomad).toMatchObject({ url: 'https://nomad.eu.example.com:4646', token: 'prod-eu-secret', tls: { caCert: path.join(home, 'tls/eu-ca.pem'), serverName: 'server.eu.nomad' } });
    expect(cfg.upstreams['nomad@staging']).toMatchObject({ url: 'https://nomad.staging.example.com:4646', token: 'staging-secret' });
    expect(cfg.upstreams['nomad@lab']!.token).toBeUndefined();
    expect(cfg.clusters[0]!.allowedNamespaces).toEqual(['apps', 'web']);
    expect(cfg.clusters[1]!.tags).toEqual(['jobs', 'logs', 'allocations']);
    expect(cfg.clusters[2]!.nomadAuthMethod).toBe('mcp-sso-lab');
  });
});
