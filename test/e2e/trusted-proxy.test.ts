import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runServe, spawnServe } from './http-harness.js';

const ALICE = 'alice-nomad-token-trusted-proxy';

/** A REST call with a made-up token, as if forwarded for `client` (X-Forwarded-For). */
async function madeUpCall(url: string, i: number, forwardedFor?: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer made-up-${i}` };
  if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
  return (await fetch(`${url}/api/tools/list_jobs`, { method: 'POST', headers, body: '{}' })).status;
}

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', aclTokens: [ALICE] });
});
afterAll(() => sim?.close());

describe('--trusted-proxy: per-address limits per client behind a reverse proxy', () => {
  it('behind a trusted proxy, one client exhausting its unverified bucket leaves another client its own', async () => {
    const srv = await spawnServe(['--auth', 'nomad', '--trusted-proxy', '127.0.0.1', '--unverified-rate-limit', '3'], { NOMAD_ADDR: sim.url, NOMAD_TOKEN: 'server-own' });
    try {
      const a: number[] = [];
      for (let i = 0; i < 6; i++) a.push(await madeUpCall(srv.url, i, '203.0.113.7'));
      expect(a).toContain(429);
      // another client behind the same proxy still has its checks: its made-up token is refused as invalid, not limited
      expect(await madeUpCall(srv.url, 100, '198.51.100.9')).toBe(401);
      // what the client itself wrote on the left of the header does not choose its bucket
      expect(await madeUpCall(srv.url, 101, '198.51.100.9, 203.0.113.7')).toBe(429);
    } finally {
      await srv.stop();
    }
  }, 60_000);

  it('without --trusted-proxy, X-Forwarded-For is ignored: a caller cannot pick a fresh bucket by writing one', async () => {
    const srv = await spawnServe(['--auth', 'nomad', '--unverified-rate-limit', '3'], { NOMAD_ADDR: sim.url, NOMAD_TOKEN: 'server-own' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push(await madeUpCall(srv.url, i, `192.0.2.${i}`));
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    } finally {
      await srv.stop();
    }
  }, 60_000);

  it('refuses a malformed --trusted-proxy before listening', async () => {
    const { code, stderr } = await runServe(['--http', '--port', '0', '--trusted-proxy', '10.0.0.0/99'], { NOMAD_ADDR: sim.url });
    expect(code).not.toBe(0);
    expect(stderr).toContain('--trusted-proxy "10.0.0.0/99" is not an IP address or CIDR');
  }, 30_000);
});
