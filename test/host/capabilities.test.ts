/**
 * The endpoint → capability table that turns Nomad's bare "Permission denied" into the capability it
 * checked (nomad/*_endpoint.go), and the partial-answer helper composite tools use.
 */
import { describe, expect, it } from 'vitest';
import { capabilityFor, deniedReason, isPermissionDenied } from '../../src/host/capabilities.js';
import { ToolError } from '../../src/host/errors.js';
import { Parts } from '../../src/host/partial.js';

describe('capabilityFor', () => {
  it.each([
    ['GET', '/v1/agent/self', undefined, { capability: 'agent:read' }],
    ['GET', '/v1/agent/members', undefined, { capability: 'node:read' }],
    ['GET', '/v1/nodes', 'web', { capability: 'node:read' }],
    ['PUT', '/v1/node/abc/drain', undefined, { capability: 'node:write' }],
    ['GET', '/v1/client/fs/logs/0b5c2f1e-1111-2222-3333-444455556666', 'web', { capability: 'read-logs', namespace: 'web' }],
    ['GET', '/v1/client/fs/cat/abc', undefined, { capability: 'read-fs', namespace: 'default' }],
    ['GET', '/v1/job/web', 'staging', { capability: 'read-job', namespace: 'staging' }],
    ['GET', '/v1/job/a/b/allocations', 'staging', { capability: 'read-job', namespace: 'staging' }],
    ['GET', '/v1/jobs', 'default', { capability: 'list-jobs', namespace: 'default' }],
    ['PUT', '/v1/jobs/parse', 'default', { capability: 'parse-job', namespace: 'default' }],
    ['PUT', '/v1/job/web/plan', 'default', { capability: 'submit-job', namespace: 'default' }],
    ['PUT', '/v1/job/web/scale', 'default', { capability: 'scale-job', namespace: 'default' }],
    ['GET', '/v1/job/web/scale', 'default', { capability: 'read-job-scaling', namespace: 'default' }],
    ['DELETE', '/v1/job/web', 'default', { capability: 'submit-job', namespace: 'default' }],
    ['POST', '/v1/client/allocation/abc/restart', 'default', { capability: 'alloc-lifecycle', namespace: 'default' }],
    ['PUT', '/v1/validate/job', 'staging', { capability: 'read-job', namespace: 'staging' }],
    ['GET', '/v1/evaluations?reverse=true', 'default', { capability: 'read-job', namespace: 'default' }],
  ])('%s %s → %o', (method, path, ns, want) => {
    expect(capabilityFor(method, path, ns)).toEqual(want);
  });

  it('ACL, operator and scaling endpoints: management-only reads say so (nomad/acl_endpoint.go, operator_endpoint.go)', () => {
    expect(capabilityFor('GET', '/v1/acl/tokens')).toEqual({ capability: 'management' });
    expect(capabilityFor('GET', '/v1/operator/raft/configuration')).toEqual({ capability: 'management' });
    expect(capabilityFor('GET', '/v1/operator/autopilot/health')).toEqual({ capability: 'operator:read' });
    expect(capabilityFor('GET', '/v1/scaling/policies', 'web')).toEqual({ capability: 'list-scaling-policies', namespace: 'web' });
    expect(deniedReason('GET', '/v1/acl/tokens')).toBe('the endpoint needs a management token');
    expect(deniedReason('GET', '/v1/acl/binding-rules')).toBe('the endpoint needs a management token');
    expect(deniedReason('GET', '/v1/acl/token/3f1c')).toBe('only a management token, or the token itself, may read a token');
    expect(deniedReason('GET', '/v1/acl/policy/ops')).toBe('only a management token, or a token holding the policy, may read it');
    expect(deniedReason('GET', '/v1/acl/role/9a2e')).toBe('only a management token, or a token holding the role, may read it');
    expect(deniedReason('GET', '/v1/acl/token/self')).toBe('Nomad does not know the token (or it expired)');
  });

  it('knows nothing of endpoints outside the table, and of open ones', () => {
    expect(capabilityFor('GET', '/v1/status/leader')).toBeUndefined();
    expect(capabilityFor('GET', '/v1/regions')).toBeUndefined();
    expect(capabilityFor('GET', '/api/v1/repos/search')).toBeUndefined();
  });

  it('says it as a sentence fragment', () => {
    expect(deniedReason('GET', '/v1/agent/self')).toBe('the token lacks agent:read');
    expect(deniedReason('GET', '/v1/client/fs/logs/x', 'web')).toBe('the token lacks read-logs in namespace "web"');
    expect(deniedReason('GET', '/v1/jobs', '*')).toMatch(/in every namespace/);
  });

  it('matches segment by segment: a long path is one pass, `**` takes the rest', () => {
    expect(capabilityFor('GET', `/v1/${'job/'.repeat(50_000)}x`, 'default')).toEqual({ capability: 'read-job', namespace: 'default' });
    expect(capabilityFor('GET', `/v1/${'a/'.repeat(50_000)}`)).toBeUndefined();
  });

  it('client endpoints answer 500 "Permission denied" for a refusal (client/fs_endpoint.go ~391)', () => {
    expect(isPermissionDenied(500, 'Permission denied')).toBe(true);
    expect(isPermissionDenied(500, 'rpc error: Permission denied')).toBe(true);
    expect(isPermissionDenied(403, 'anything')).toBe(true);
    expect(isPermissionDenied(500, 'No cluster leader')).toBe(false);
  });
});

describe('Parts (partial answers)', () => {
  it('keeps what answered, names what did not and why, rethrows what it may not tolerate', async () => {
    const parts = new Parts();
    const denied = new ToolError('Nomad 403: Permission denied (GET /v1/agent/self): …', 'caller', 403, 'the token lacks agent:read');
    expect(await parts.optional('agent info', Promise.reject(denied))).toBeUndefined();
    expect(await parts.optional('peers', Promise.resolve(['a']))).toEqual(['a']);
    expect(parts.lines()).toEqual(['agent info unavailable: the token lacks agent:read']);
    expect(parts.record()).toEqual({ 'agent info': 'the token lacks agent:read' });
    // only the listed statuses, and never a failure without an answer (network, cancellation)
    await expect(parts.optional('x', Promise.reject(new ToolError('Nomad 500: boom', 'upstream', 500)), [403])).rejects.toThrow('boom');
    await expect(parts.optional('y', Promise.reject(new ToolError('The request was cancelled.', 'caller')))).rejects.toThrow('cancelled');
  });
});
