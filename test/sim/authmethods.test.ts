/** The simulator's JWT auth methods, binding rules, /v1/acl/login and expiring tokens, as Nomad answers. */
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { parseSelector, selectorMatches } from '../../src/sim/selector.js';
import { call, start } from './helpers.js';

const MGMT = 'sim-auth-management';
const H = { 'X-Nomad-Token': MGMT };
let sim: Simulator;
let key: { privateKey: CryptoKey; publicKey: CryptoKey };

async function jwt(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: 'https://idp.test', aud: 'nomad-mcp', iat: now, exp: now + 300, ...claims }).setProtectedHeader({ alg: 'RS256' }).sign(key.privateKey);
}

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  sim = await start({ aclTokens: [MGMT] });
});
afterAll(() => sim.close());

describe('selectors (go-bexpr subset)', () => {
  const data = { value: { team: 'ops', user: 'alice' }, list: { groups: ['eng', 'ops'] } };
  it.each([
    ['"ops" in list.groups', true],
    ['"dev" in list.groups', false],
    ['"dev" not in list.groups', true],
    ['list.groups contains "eng"', true],
    ['value.team == "ops" and value.user != "bob"', true],
    ['value.team == ops', true],
    ['not (value.team == "ops") or "eng" in list.groups', true],
    ['value.missing == "x"', false],
    ['list.roles is empty', true],
    ['list.groups is not empty', true],
    ['', true],
  ])('%s → %s', (sel, want) => {
    expect(selectorMatches(sel, data)).toBe(want);
  });

  it('rejects bad syntax, and stays linear on a long hostile selector', () => {
    expect(() => parseSelector('value.team = "ops"')).toThrow();
    expect(() => parseSelector('"ops" in')).toThrow();
    expect(() => parseSelector('(value.a == "b"')).toThrow();
    const long = Array.from({ length: 20_000 }, () => 'value.a == "b"').join(' or ');
    expect(selectorMatches(long, { value: { a: 'c' }, list: {} })).toBe(false);
  });
});

describe('auth methods and binding rules', () => {
  it('validates as Nomad does and needs a management token', async () => {
    const bad = await call(sim, 'POST', '/v1/acl/auth-method', { Name: 'x', Type: 'JWT', MaxTokenTTL: '10s', Config: {} }, H);
    expect(bad.status).toBe(400);
    expect(bad.text).toBe(
      'auth method 0 invalid: 2 errors occurred:\n\t* invalid config: JWT auth method requires either OIDCDiscoveryURL, or JWKS URL, or JWTValidationPubKeys set\n\t* invalid MaxTokenTTL value \'10s\' (should be between 1m0s and 24h0m0s)\n\n',
    );
    const anon = await call(sim, 'POST', '/v1/acl/auth-method', { Name: 'x', Type: 'JWT', MaxTokenTTL: '1h', Config: { JWKSURL: 'http://x' } });
    expect(anon.status).toBe(403);
    expect((await call(sim, 'GET', '/v1/acl/auth-method/nope', undefined, H)).text).toBe('ACL auth-method not found');
    expect((await call(sim, 'GET', '/v1/acl/auth-methods')).json).toEqual([]);
  });

  it('logs in with static keys: bound audience and issuer, claim mappings, binding rules, a token that expires', async () => {
    const pem = await exportSPKI(key.publicKey);
    const m = await call(sim, 'PUT', '/v1/acl/auth-method/static', {
      Name: 'static', Type: 'JWT', MaxTokenTTL: '2m',
      Config: { JWTValidationPubKeys: [pem], BoundAudiences: ['nomad-mcp'], BoundIssuer: ['https://idp.test'], ClaimMappings: { team: 'team' }, ListClaimMappings: { groups: 'groups' } },
    }, H);
    expect(m.status, m.text).toBe(200);
    expect(m.json).toMatchObject({ Name: 'static', MaxTokenTTL: '2m0s', TokenLocality: 'local' });
    expect((await call(sim, 'POST', '/v1/acl/policy/team-ops', { Name: 'team-ops', Rules: 'namespace "default" { policy = "read" }' }, H)).status).toBe(200);
    const rule = await call(sim, 'POST', '/v1/acl/binding-rule', { AuthMethod: 'static', Selector: '"eng" in list.groups', BindType: 'policy', BindName: 'team-${value.team}' }, H);
    expect(rule.status, rule.text).toBe(200);
    expect((await call(sim, 'POST', '/v1/acl/binding-rule', { AuthMethod: 'nope', BindType: 'policy', BindName: 'x' }, H)).text).toBe('ACL auth method nope not found');
    expect((await call(sim, 'POST', '/v1/acl/binding-rule', { AuthMethod: 'static', BindType: 'management', BindName: 'x' }, H)).text).toContain('bind name should be empty');

    const login = await call(sim, 'POST', '/v1/acl/login', { AuthMethodName: 'static', LoginToken: await jwt({ sub: 'a', team: 'Ops', groups: ['eng'] }) });
    expect(login.status, login.text).toBe(200);
    expect(login.json).toMatchObject({ Type: 'client', Policies: ['team-ops'], Name: 'JWT-static', ExpirationTTL: '2m0s' });
    const ttl = Date.parse(login.json.ExpirationTime) - Date.now();
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const secret = login.json.SecretID as string;
    expect((await call(sim, 'GET', '/v1/jobs', undefined, { 'X-Nomad-Token': secret })).status).toBe(200);
    // ExpirationTime passes: Authenticate fails with ErrTokenExpired, answered as Permission denied
    sim.state.aclTokens.get(secret)!.ExpirationTime = new Date(Date.now() - 1).toISOString();
    const expired = await call(sim, 'GET', '/v1/jobs', undefined, { 'X-Nomad-Token': secret });
    expect([expired.status, expired.text]).toEqual([403, 'Permission denied']);

    const none = await call(sim, 'POST', '/v1/acl/login', { AuthMethodName: 'static', LoginToken: await jwt({ sub: 'b', groups: ['dev'] }) });
    expect([none.status, none.text]).toEqual([400, 'no role or policy bindings matched']);
    const wrongAud = await call(sim, 'POST', '/v1/acl/login', { AuthMethodName: 'static', LoginToken: await jwt({ sub: 'c', aud: 'other', groups: ['eng'] }) });
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.text).toContain('unable to validate provided token');
    const wrongIss = await call(sim, 'POST', '/v1/acl/login', { AuthMethodName: 'static', LoginToken: await jwt({ sub: 'c', iss: 'https://evil.test', groups: ['eng'] }) });
    expect(wrongIss.text).toContain('invalid JWT issuer: https://evil.test');
    const missing = await call(sim, 'POST', '/v1/acl/login', { AuthMethodName: '', LoginToken: '' });
    expect(missing.text).toBe('invalid login request: 2 errors occurred:\n\t* missing auth method name\n\t* missing login token\n\n');
    expect((await call(sim, 'POST', '/v1/acl/login', { AuthMethodName: 'ghost', LoginToken: 'x' })).text).toBe('auth-method "ghost" not found');
    expect((await call(sim, 'GET', '/v1/acl/login')).status).toBe(405);
  });
});
