/**
 * ACL reads end to end through the SDK client against the simulator: tokens (never their secrets),
 * roles, policy rules, auth methods and binding rules, each as a management token and as a client
 * token, which Nomad refuses on the management-only endpoints (nomad/acl_endpoint.go v1.9.7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, tableItems, type Connected } from './harness.js';

const MGMT = 'acl-reads-management-secret-0001';
const DEV = 'acl-reads-dev-secret-00000000001';
const OPS = 'acl-reads-ops-secret-00000000001';
const DEV_RULES = 'namespace "default" {\n  policy = "read"\n}';

let sim: Simulator;
let admin: Connected;
let dev: Connected;
let devAccessor: string;
let opsAccessor: string;
let roleId: string;

async function put(path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${sim.url}${path}`, { method: 'PUT', headers: { 'X-Nomad-Token': MGMT }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, unknown>;
}

/** The items of a list answer, after checking its text is their table (one line per item). */
const lines = tableItems;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 'demo',
    aclTokens: [MGMT],
    acl: {
      policies: { dev: { rules: DEV_RULES, description: 'read the default namespace' }, ops: 'operator {\n  policy = "read"\n}' },
      roles: [{ name: 'operators', policies: ['ops'], description: 'on-call' }],
      tokens: [
        { name: 'dev laptop', secret: DEV, policies: ['dev'] },
        { name: 'ops bot', secret: OPS, roles: ['operators'] },
      ],
    },
  });
  devAccessor = sim.createdTokens[0].AccessorID;
  opsAccessor = sim.createdTokens[1].AccessorID;
  roleId = sim.createdTokens[1].Roles![0].ID;
  await put('/v1/acl/auth-method', {
    Name: 'corp-sso', Type: 'JWT', TokenLocality: 'local', MaxTokenTTL: '1h', Default: true,
    Config: { JWKSURL: 'https://idp.test/jwks', BoundAudiences: ['nomad'], BoundIssuer: ['https://idp.test'], ClaimMappings: { team: 'team' } },
  });
  await put('/v1/acl/binding-rule', { AuthMethod: 'corp-sso', Description: 'teams get their policy', Selector: '"eng" in list.groups', BindType: 'policy', BindName: 'dev' });
  [admin, dev] = await Promise.all([connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: MGMT }), connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN: DEV })]);
});

afterAll(async () => {
  await Promise.all([admin?.close(), dev?.close()]);
  await sim?.close();
});

describe('tokens', () => {
  it('list_acl_tokens: accessor, name, type, policies and role names, never a secret', async () => {
    const r = await admin.call('list_acl_tokens');
    expect(r.isError).toBe(false);
    for (const secret of [MGMT, DEV, OPS]) expect(r.text).not.toContain(secret);
    expect(r.text).not.toContain('SecretID');
    const byName = Object.fromEntries(lines(r).map((t) => [t.Name, t]));
    expect(byName['dev laptop']).toMatchObject({ AccessorID: devAccessor, Type: 'client', Policies: ['dev'] });
    expect(byName['ops bot']).toMatchObject({ AccessorID: opsAccessor, Roles: [{ Name: 'operators' }] });
    expect(byName['Bootstrap Token']).toMatchObject({ Type: 'management', Global: true });
    // the text: one line per token, its role names and policies on it
    expect(r.text).toMatch(new RegExp(`^${opsAccessor} +ops bot +client +- +\\d{4}-\\S+Z \\((\\d+[smhd] ago|now)\\) +- +- +operators$`, 'm'));
    const one = await admin.call('list_acl_tokens', { prefix: devAccessor.slice(0, 8) });
    expect(lines(one).map((t) => t.AccessorID)).toEqual([devAccessor]);
  });

  it('get_acl_token: Nomad answers the SecretID to a management token; the tool never passes it on', async () => {
    // the simulator, like Nomad's ACL.GetToken, sends the secret: the descriptor must strip it
    const raw = (await (await fetch(`${sim.url}/v1/acl/token/${devAccessor}`, { headers: { 'X-Nomad-Token': MGMT } })).json()) as Record<string, unknown>;
    expect(raw.SecretID).toBe(DEV);
    const r = await admin.call('get_acl_token', { accessor_id: devAccessor });
    expect(r.isError).toBe(false);
    expect(r.text).not.toContain(DEV);
    expect(JSON.stringify(r.structured)).not.toContain(DEV);
    expect(r.structured).toMatchObject({ AccessorID: devAccessor, Name: 'dev laptop', Type: 'client', Policies: ['dev'] });
    expect(r.structured).not.toHaveProperty('SecretID');
  });

  it('a client token may read itself but no other token, and no token list: 403 with what Nomad wanted', async () => {
    const own = await dev.call('get_acl_token', { accessor_id: devAccessor });
    expect(own.isError).toBe(false);
    expect(own.text).not.toContain(DEV);
    const other = await dev.call('get_acl_token', { accessor_id: opsAccessor });
    expect(other.isError).toBe(true);
    expect(other.text).toContain('403: Permission denied');
    expect(other.text).toContain('only a management token, or the token itself, may read a token');
    const list = await dev.call('list_acl_tokens');
    expect(list.isError).toBe(true);
    expect(list.text).toContain('the endpoint needs a management token');
    expect(list.text).toContain('get_acl_policy');
  });
});

describe('roles and policies', () => {
  it('list_acl_roles and get_acl_role show the role and its policies', async () => {
    const list = await admin.call('list_acl_roles');
    expect(lines(list)).toEqual([{ ID: roleId, Name: 'operators', Description: 'on-call', Policies: [{ Name: 'ops' }] }]);
    const one = await admin.call('get_acl_role', { role_id: roleId });
    expect(one.structured).toMatchObject({ ID: roleId, Name: 'operators', Policies: [{ Name: 'ops' }] });
    // a client token lists only its own roles (ACL.ListRoles), and may not read another's
    expect((await dev.call('list_acl_roles')).text).toContain('No ACL roles');
    const denied = await dev.call('get_acl_role', { role_id: roleId });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('a token holding the role');
  });

  it('get_acl_policy shows the rules; a client token reads the policies it holds, not others', async () => {
    const r = await dev.call('get_acl_policy', { name: 'dev' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe(`Policy dev: read the default namespace\n${DEV_RULES}`);
    expect(r.structured).toMatchObject({ Name: 'dev', Rules: DEV_RULES });
    const other = await dev.call('get_acl_policy', { name: 'ops' });
    expect(other.isError).toBe(true);
    expect(other.text).toContain('a token holding the policy');
    const missing = await admin.call('get_acl_policy', { name: 'nope' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('ACL policy not found');
  });

  it('a refused call points at the ACL reads that explain it', async () => {
    const r = await dev.call('list_nodes');
    expect(r.isError).toBe(true);
    expect(r.text).toContain('the token lacks node:read');
    expect(r.text).toContain('get_token_self shows the token\'s policies and roles, get_acl_policy a policy\'s rules');
  });
});

describe('auth methods and binding rules', () => {
  it('list_auth_methods needs no management token; get_auth_method and the binding rules do', async () => {
    const list = await dev.call('list_auth_methods');
    expect(lines(list)).toEqual([{ Name: 'corp-sso', Type: 'JWT', Default: true }]);
    const one = await admin.call('get_auth_method', { name: 'corp-sso' });
    expect(one.structured).toMatchObject({ Name: 'corp-sso', Type: 'JWT', TokenLocality: 'local', MaxTokenTTL: '1h0m0s', Config: { JWKSURL: 'https://idp.test/jwks', BoundAudiences: ['nomad'] } });
    const rules = await admin.call('list_binding_rules');
    const [rule] = lines(rules);
    expect(rule).toMatchObject({ AuthMethod: 'corp-sso', Description: 'teams get their policy' });
    const detail = await admin.call('get_binding_rule', { rule_id: rule.ID as string });
    expect(detail.structured).toMatchObject({ Selector: '"eng" in list.groups', BindType: 'policy', BindName: 'dev' });
    for (const [tool, args] of [['get_auth_method', { name: 'corp-sso' }], ['list_binding_rules', {}]] as const) {
      const r = await dev.call(tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toContain('the endpoint needs a management token');
    }
  });

  it('without ACLs, the ACL reads say Nomad\'s "ACL support disabled"', async () => {
    const open = await startSimulator({ port: 0 });
    const client = await connectStdio({ NOMAD_ADDR: open.url });
    try {
      for (const tool of ['list_acl_tokens', 'list_acl_roles', 'list_auth_methods']) {
        const r = await client.call(tool);
        expect(r.isError).toBe(true);
        expect(r.text).toContain('ACL support disabled');
      }
    } finally {
      await client.close();
      await open.close();
    }
  });
});
