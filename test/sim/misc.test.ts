import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

describe('simulator: search, Gitea, gzip', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo' });
  });
  afterAll(() => sim.close());

  it('fuzzy-searches jobs and nodes', async () => {
    const r = await call(sim, 'POST', '/v1/search/fuzzy', { Text: 'web', Context: 'all', Namespace: 'default' });
    expect(r.json.Matches.jobs).toEqual([{ ID: 'web', Scope: ['default'] }]);
    expect(r.json.Truncations.jobs).toBe(false);
    const nodes = await call(sim, 'POST', '/v1/search/fuzzy', { Text: 'node', Context: 'nodes' });
    expect(nodes.json.Matches.nodes).toHaveLength(3);
  });

  it('serves Gitea repositories', async () => {
    const search = await call(sim, 'GET', '/api/v1/repos/search?q=web&limit=5&page=1');
    expect(search.json.ok).toBe(true);
    expect(search.json.data.map((r: any) => r.full_name)).toEqual(['acme/web']);
    const repo = await call(sim, 'GET', '/api/v1/repos/acme/web');
    expect(repo.json).toMatchObject({ name: 'web', private: false, clone_url: `${sim.url}/acme/web.git` });
    const missing = await call(sim, 'GET', '/api/v1/repos/acme/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ message: "The target couldn't be found.", errors: [] });
  });

  it('compresses when the client accepts gzip', async () => {
    const res = await fetch(`${sim.url}/v1/jobs`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch decodes transparently
    expect(JSON.parse(await res.text())).toHaveLength(3);
    const http = await import('node:http');
    const raw = await new Promise<Buffer>((resolve, reject) => {
      http.get(`${sim.url}/v1/jobs`, { headers: { 'Accept-Encoding': 'gzip' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject);
    });
    expect(JSON.parse(gunzipSync(raw).toString())).toHaveLength(3);
  });
});
