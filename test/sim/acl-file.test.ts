/** The policy file of `nomad-mcp sim --policy-file` (src/sim/aclfile.ts) and the `acl` start option. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAclSetup } from '../../src/sim/aclfile.js';
import { call, start } from './helpers.js';

const YAML = `
policies:
  readonly: |
    namespace "default" {
      policy = "read"
    }
  nodes:
    description: node read only
    rules: 'node { policy = "read" }'
roles:
  - name: viewers
    policies: [readonly]
tokens:
  - { name: ro, secret: ro-secret, policies: [readonly] }
  - { name: viewer, roles: [viewers] }
  - { name: admin, secret: admin-secret, type: management }
`;

const HCL = `
policy "readonly" {
  rules = <<EOT
namespace "default" {
  policy = "read"
}
EOT
}
role "viewers" {
  policies = ["readonly"]
}
token "ro" {
  secret   = "ro-secret"
  policies = ["readonly"]
}
token "viewer" {
  roles = ["viewers"]
}
`;

describe('policy file', () => {
  it('reads YAML, JSON and HCL into the same setup', () => {
    const yaml = readAclSetup(YAML, 'acl.yaml');
    expect(Object.keys(yaml.policies!)).toEqual(['readonly', 'nodes']);
    expect(yaml.policies!.nodes).toEqual({ rules: 'node { policy = "read" }', description: 'node read only' });
    expect(yaml.tokens).toEqual([
      { name: 'ro', secret: 'ro-secret', type: 'client', policies: ['readonly'], roles: [] },
      { name: 'viewer', secret: undefined, type: 'client', policies: [], roles: ['viewers'] },
      { name: 'admin', secret: 'admin-secret', type: 'management', policies: [], roles: [] },
    ]);
    const json = readAclSetup(JSON.stringify({ policies: { readonly: 'namespace "default" { policy = "read" }' }, tokens: [{ name: 'ro', policies: ['readonly'] }] }), 'acl.json');
    expect(json.tokens![0]).toMatchObject({ name: 'ro', policies: ['readonly'] });
    const hcl = readAclSetup(HCL, 'acl.hcl');
    expect(hcl.policies!.readonly).toEqual({ rules: 'namespace "default" {\n  policy = "read"\n}\n', description: undefined });
    expect(hcl.roles).toEqual([{ name: 'viewers', policies: ['readonly'], description: undefined }]);
    expect(hcl.tokens!.map((t) => t.name)).toEqual(['ro', 'viewer']);
  });

  it.each([
    ['policies: [a]', 'acl.yaml: policies must map names to rules'],
    ['tokens: [{ name: x, type: root }]', 'acl.yaml: tokens[0] type must be client or management'],
    ['tokens: [{ name: x, polices: [a] }]', 'acl.yaml: tokens[0]: unknown key "polices"'],
    ['polices: {}', 'acl.yaml: top level: unknown key "polices"'],
    ['tokens: [{ secret: "" }]', 'acl.yaml: tokens[0] secret must be a non-empty string'],
  ])('refuses %j', (text, message) => {
    expect(() => readAclSetup(text, 'acl.yaml')).toThrow(message);
  });

  it('refuses HCL it does not know, with the file name', () => {
    expect(() => readAclSetup('user "x" {}', 'acl.hcl')).toThrow('acl.hcl: unknown block "user"');
    expect(() => readAclSetup('policy "x" {', 'acl.hcl')).toThrow(/^acl\.hcl: /);
  });

  it('starts a simulator whose tokens act on their policies, roles included', async () => {
    const sim = await start({ seed: 'demo', acl: readAclSetup(YAML, 'acl.yaml') });
    try {
      expect(sim.createdTokens.map((t) => [t.Name, t.Type])).toEqual([['ro', 'client'], ['viewer', 'client'], ['admin', 'management']]);
      const viewer = sim.createdTokens[1].SecretID;
      expect(viewer).toMatch(/^[0-9a-f-]{36}$/);
      for (const secret of ['ro-secret', viewer]) {
        expect((await call(sim, 'GET', '/v1/jobs', undefined, { 'X-Nomad-Token': secret })).status).toBe(200);
        expect((await call(sim, 'GET', '/v1/nodes', undefined, { 'X-Nomad-Token': secret })).status).toBe(403);
      }
      expect((await call(sim, 'GET', '/v1/nodes', undefined, { 'X-Nomad-Token': 'admin-secret' })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('refuses to start on a policy Nomad would refuse, naming it', async () => {
    await expect(start({ acl: { policies: { bad: 'namespace "default" { policy = "admin" }' } } })).rejects.toThrow(/ACL policy "bad": .*Invalid namespace policy/s);
    await expect(start({ acl: { tokens: [{ name: 'lonely', policies: [] }] } })).rejects.toThrow('ACL token "lonely": 1 error occurred:\n\t* client token missing policies or roles');
  });
});

describe('nomad-mcp sim --policy-file', () => {
  it('creates the tokens, prints their names and secrets, and they work', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-acl-'));
    const file = join(dir, 'acl.yaml');
    writeFileSync(file, 'policies:\n  readonly: \'namespace "default" { policy = "read" }\'\ntokens:\n  - { name: ro, secret: ro-secret, policies: [readonly] }\n');
    const bin = resolve(__dirname, '../../bin/run.js');
    const child = spawn(process.execPath, [bin, 'sim', '--port', '0', '--policy-file', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    try {
      await new Promise<void>((ok, fail) => {
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
          if (/ACL token "ro".*\n/.test(err)) ok();
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
      });
      expect(err).toContain('ACL token "ro" (client, policies readonly): ro-secret');
      const boot = /ACL token "Bootstrap Token" \(management\): ([0-9a-f-]{36})/.exec(err);
      expect(boot).not.toBeNull();
      const url = /listening on (\S+)/.exec(err)![1];
      const ro = await fetch(`${url}/v1/jobs`, { headers: { 'X-Nomad-Token': 'ro-secret' } });
      expect(ro.status).toBe(200);
      expect((await fetch(`${url}/v1/nodes`, { headers: { 'X-Nomad-Token': 'ro-secret' } })).status).toBe(403);
      expect((await fetch(`${url}/v1/nodes`, { headers: { 'X-Nomad-Token': boot![1] } })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits 2 with the file\'s problem on a bad policy file', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-acl-'));
    const file = join(dir, 'acl.yaml');
    writeFileSync(file, 'policies:\n  bad: \'namespace "default" { policy = "admin" }\'\n');
    const bin = resolve(__dirname, '../../bin/run.js');
    const child = spawn(process.execPath, [bin, 'sim', '--port', '0', '--policy-file', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((ok) => child.on('exit', ok));
    expect(code).toBe(2);
    expect(err).toContain('ACL policy "bad"');
    expect(err).toContain('Invalid namespace policy');
  });
});
