/**
 * ACL policy parsing and the compiled ACL, pinned to Nomad v1.9.7's acl/policy.go (Parse,
 * expandNamespacePolicy, expandVariablesCapabilities) and acl/acl.go (NewACL, AllowNamespaceOperation,
 * findClosestMatchingGlob, AllowVariableOperation, AllowNodeRead…).
 */
import { describe, expect, it } from 'vitest';
import { SimAcl } from '../../src/sim/aclobject.js';
import { parsePolicy } from '../../src/sim/aclpolicy.js';
import { glob } from '../../src/sim/glob.js';

const acl = (...rules: string[]) => SimAcl.compile(rules.map(parsePolicy));

describe('ACL policy rules (acl/policy.go)', () => {
  it('expands policy = "read" to exactly the read capabilities (expandNamespacePolicy)', () => {
    const p = parsePolicy('namespace "default" {\n  policy = "read"\n}\n');
    expect(p.namespaces[0].capabilities).toEqual([
      'list-jobs', 'parse-job', 'read-job', 'csi-list-volume', 'csi-read-volume', 'read-job-scaling', 'list-scaling-policies', 'read-scaling-policy',
      // Nomad 1.10+ (acl/policy.go v1.10.5 expandNamespacePolicy ~249)
      'host-volume-read',
    ]);
  });

  it('expands policy = "write" to read plus the write capabilities, with no alloc-node-exec', () => {
    const caps = parsePolicy('namespace "default" { policy = "write" }').namespaces[0].capabilities;
    for (const c of ['scale-job', 'submit-job', 'dispatch-job', 'read-logs', 'read-fs', 'alloc-exec', 'alloc-lifecycle', 'csi-mount-volume', 'csi-write-volume', 'submit-recommendation', 'read-job']) {
      expect(caps).toContain(c);
    }
    expect(caps).not.toContain('alloc-node-exec');
    expect(caps).not.toContain('sentinel-override');
  });

  it('expands policy = "scale" to the four scaling capabilities', () => {
    expect(parsePolicy('namespace "x" { policy = "scale" }').namespaces[0].capabilities).toEqual([
      'list-scaling-policies', 'read-scaling-policy', 'read-job-scaling', 'scale-job',
    ]);
  });

  it('adds the short-hand to explicit capabilities', () => {
    const p = parsePolicy('namespace "default" {\n  policy = "read"\n  capabilities = ["read-logs", "alloc-lifecycle"]\n}');
    expect(p.namespaces[0].capabilities.slice(0, 2)).toEqual(['read-logs', 'alloc-lifecycle']);
    expect(p.namespaces[0].capabilities).toContain('read-job');
  });

  it('reads JSON rules as hcl v1 does', () => {
    const p = parsePolicy(JSON.stringify({
      namespace: { default: { policy: 'read', variables: { path: { 'nomad-mcp/*': { capabilities: ['read'] } } } } },
      node: { policy: 'read' },
      agent: [{ policy: 'write' }],
    }));
    expect(p.namespaces[0]).toMatchObject({ name: 'default', policy: 'read' });
    expect(p.namespaces[0].variables).toEqual([{ pathSpec: 'nomad-mcp/*', capabilities: ['read', 'list'] }]);
    expect([p.node, p.agent]).toEqual(['read', 'write']);
  });

  it('adds list to read on variable paths and lets deny stand alone (expandVariablesCapabilities)', () => {
    const p = parsePolicy('namespace "default" {\n variables {\n  path "a/*" { capabilities = ["read"] }\n  path "b" { capabilities = ["write", "deny"] }\n }\n}');
    expect(p.namespaces[0].variables).toEqual([
      { pathSpec: 'a/*', capabilities: ['read', 'list'] },
      { pathSpec: 'b', capabilities: ['deny'] },
    ]);
  });

  it.each([
    ['namespace "default" { policy = "list" }', 'Invalid namespace policy'],
    ['namespace "default" { capabilities = ["read-jobs"] }', "Invalid namespace capability 'read-jobs'"],
    ['namespace "bad name" { policy = "read" }', 'Invalid namespace name'],
    ['node { policy = "list" }', 'Invalid node policy'],
    ['agent { policy = "admin" }', 'Invalid agent policy'],
    ['plugin { policy = "scale" }', 'Invalid plugin policy'],
    ['namespace "default" {\n variables {\n  path "/x" { capabilities = ["read"] }\n }\n}', 'Invalid variable path "/x" in namespace default: cannot start with a leading'],
    ['namespace "default" {\n variables {\n  path "x" { capabilities = ["create"] }\n }\n}', "Invalid variable capability 'create' in namespace default"],
    ['foo { bar = 1 }', 'Invalid policy: foo { bar = 1 }'],
    ['namespace "default" {', 'Failed to parse ACL Policy:'],
  ])('refuses %j with Nomad\'s message', (rules, message) => {
    expect(() => parsePolicy(rules)).toThrow(message);
  });

  it('accepts plugin = "list", which isPolicyValid refuses elsewhere (PluginPolicy.isValid)', () => {
    expect(parsePolicy('plugin { policy = "list" }').plugin).toBe('list');
  });
});

describe('compiled ACL (acl/acl.go)', () => {
  it('checks capabilities per namespace; other namespaces get nothing', () => {
    const a = acl('namespace "default" { policy = "read" }');
    expect(a.allowNsOp('default', 'read-job')).toBe(true);
    expect(a.allowNsOp('default', 'read-logs')).toBe(false);
    expect(a.allowNsOp('staging', 'read-job')).toBe(false);
    expect(a.isManagement()).toBe(false);
  });

  it('with namespace "*", allows an operation some namespace grants (anyNamespaceAllowsOp)', () => {
    const a = acl('namespace "staging" { policy = "read" }');
    expect(a.allowNsOp('*', 'read-job')).toBe(true);
    expect(a.allowNsOp('*', 'submit-job')).toBe(false);
  });

  it('deny in any policy wins over grants in others, whatever the order', () => {
    const deny = 'namespace "default" { policy = "deny" }';
    const write = 'namespace "default" { policy = "write" }';
    for (const a of [acl(deny, write), acl(write, deny)]) {
      expect(a.allowNsOp('default', 'read-job')).toBe(false);
      expect(a.allowNamespace('default')).toBe(false);
    }
  });

  it('unions capabilities of several policies', () => {
    const a = acl('namespace "default" { capabilities = ["read-job"] }', 'namespace "default" { capabilities = ["read-logs"] }');
    expect([a.allowNsOp('default', 'read-job'), a.allowNsOp('default', 'read-logs')]).toEqual([true, true]);
  });

  it('prefers a concrete namespace rule to any glob, then the closest glob (findClosestMatchingGlob)', () => {
    const a = acl('namespace "*" { policy = "read" }\nnamespace "prod-*" { policy = "deny" }\nnamespace "prod-api" { policy = "write" }');
    expect(a.allowNsOp('prod-api', 'submit-job')).toBe(true);
    expect(a.allowNsOp('prod-web', 'read-job')).toBe(false);
    expect(a.allowNsOp('dev', 'read-job')).toBe(true);
  });

  it('an exact rule without capabilities shadows the globs (matchingNamespaceCapabilitySet)', () => {
    const a = acl('namespace "*" { policy = "read" }\nnamespace "default" {\n variables {\n  path "x" { capabilities = ["read"] }\n }\n}');
    expect(a.allowNsOp('default', 'read-job')).toBe(false);
    expect(a.allowNamespace('default')).toBe(false);
    expect(a.allowNsOp('other', 'read-job')).toBe(true);
  });

  it('reads variable rules by namespace and path, globs included', () => {
    const a = acl('namespace "default" {\n variables {\n  path "nomad-mcp/*" { capabilities = ["read"] }\n  path "nomad-mcp/configs/secret" { capabilities = ["deny"] }\n }\n}');
    expect(a.allowVariableOperation('default', 'nomad-mcp/configs/web', 'read')).toBe(true);
    expect(a.allowVariableOperation('default', 'nomad-mcp/configs/web', 'list')).toBe(true);
    expect(a.allowVariableOperation('default', 'nomad-mcp/configs/web', 'write')).toBe(false);
    expect(a.allowVariableOperation('default', 'nomad-mcp/configs/secret', 'read')).toBe(false);
    expect(a.allowVariableOperation('staging', 'nomad-mcp/configs/web', 'read')).toBe(false);
    expect(a.allowVariableSearch('default')).toBe(true);
    expect(a.allowVariableSearch('staging')).toBe(false);
  });

  it('takes the most privilege for node, agent and operator rules, deny first (maxPrivilege)', () => {
    expect(acl('node { policy = "read" }', 'node { policy = "write" }').allowNodeWrite()).toBe(true);
    expect(acl('node { policy = "read" }', 'node { policy = "deny" }').allowNodeRead()).toBe(false);
    const a = acl('node { policy = "read" }');
    expect([a.allowNodeRead(), a.allowNodeWrite(), a.allowAgentRead(), a.allowOperatorRead()]).toEqual([true, false, false, false]);
    expect(acl('agent { policy = "read" }').allowAgentRead()).toBe(true);
  });

  it('plugin read implies list, but plugin write implies neither (AllowPluginRead, AllowPluginList)', () => {
    expect([acl('plugin { policy = "read" }').allowPluginRead(), acl('plugin { policy = "read" }').allowPluginList()]).toEqual([true, true]);
    expect([acl('plugin { policy = "write" }').allowPluginRead(), acl('plugin { policy = "write" }').allowPluginList()]).toEqual([false, false]);
  });

  it('management and ACLs-disabled allow everything', () => {
    for (const a of [SimAcl.MANAGEMENT, SimAcl.DISABLED]) {
      expect([a.allowNsOp('x', 'submit-job'), a.allowNodeWrite(), a.allowVariableOperation('x', 'y', 'destroy'), a.isManagement()]).toEqual([true, true, true, true]);
    }
  });
});

describe('glob (ryanuber/go-glob)', () => {
  it.each([
    ['*', 'anything', true],
    ['prod-*', 'prod-api', true],
    ['prod-*', 'dev-prod-api', false],
    ['*-api', 'prod-api', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXcYb', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['', '', true],
  ])('%s ~ %s = %s', (pattern, subject, want) => {
    expect(glob(pattern, subject)).toBe(want);
  });

  it('answers adversarial input without backtracking (one left-to-right search per part)', () => {
    expect(glob(`${'*a'.repeat(2000)}*b`, 'a'.repeat(200_000))).toBe(false);
    expect(glob(`${'*a'.repeat(2000)}*`, 'a'.repeat(200_000))).toBe(true);
  });
});
