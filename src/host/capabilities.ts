/**
 * What Nomad wanted when it refused: a table from endpoint to the ACL capability Nomad checks there,
 * so a 403 (or a client endpoint's 500 `Permission denied`) becomes "the token lacks read-logs in
 * namespace "web"" instead of a bare "Permission denied". Facts from Nomad v1.9.7's RPC endpoints
 * (nomad/*_endpoint.go: AllowNsOp / AllowNodeRead / AllowAgentRead…); see ../shared NOMAD-API.md.
 *
 * Matching is segment by segment over a small table: linear in the path, no caller text in a regex.
 */

/** `read` = GET/HEAD; `write` = PUT/POST/PATCH; `delete` = DELETE; `any` = every method. */
type MethodClass = 'read' | 'write' | 'delete' | 'any';

interface Rule {
  method: MethodClass;
  /** Path segments after `/v1/`: a literal, `*` (one segment) or `**` (the rest, at least one segment). */
  segments: string[];
  /** The capability, e.g. `read-job` (a namespace capability) or `agent:read` (a global one). */
  capability: string;
  /** Whether Nomad checks it in the request's namespace. */
  namespaced: boolean;
}

// [method, pattern, capability]; a capability with `:` is global (node:read), else a namespace capability.
// The first matching rule wins, so specific patterns come before general ones.
const TABLE: [MethodClass, string, string][] = [
  ['read', 'jobs', 'list-jobs'], // job_endpoint.go List: NamespaceCapabilityListJobs
  ['write', 'jobs/parse', 'parse-job'], // command/agent/job_endpoint.go JobsParseRequest: parse-job or submit-job
  ['write', 'jobs', 'submit-job'], // Register
  ['write', 'validate/job', 'read-job'], // Validate checks read-job in the job's namespace (job_endpoint.go ~1135)
  ['write', 'job/*/plan', 'submit-job'], // Plan
  ['read', 'job/*/scale', 'read-job-scaling'], // ScaleStatus
  ['write', 'job/*/scale', 'scale-job'], // Scale
  ['write', 'job/*/dispatch', 'dispatch-job'], // Dispatch
  ['write', 'job/*/periodic/force', 'dispatch-job'], // periodic_endpoint.go Force
  ['write', 'job/**', 'submit-job'], // Register, Evaluate, Revert, Stable
  ['delete', 'job/*', 'submit-job'], // Deregister
  ['read', 'job/**', 'read-job'],
  ['write', 'allocation/*/stop', 'alloc-lifecycle'], // alloc_endpoint.go Stop
  ['read', 'allocations', 'read-job'],
  ['read', 'allocation/*', 'read-job'],
  ['any', 'client/allocation/*/restart', 'alloc-lifecycle'], // client/alloc_endpoint.go Restart
  ['any', 'client/allocation/*/signal', 'alloc-lifecycle'],
  ['any', 'client/allocation/*/exec', 'alloc-exec'],
  ['read', 'client/allocation/*/stats', 'read-job'],
  ['read', 'client/allocation/*/checks', 'read-job'], // nomad/client_alloc_endpoint.go Checks: read-job
  ['read', 'client/fs/logs/*', 'read-logs'], // client/fs_endpoint.go logs
  ['read', 'client/fs/**', 'read-fs'],
  ['read', 'evaluations', 'read-job'],
  ['read', 'evaluation/**', 'read-job'],
  ['read', 'deployments', 'read-job'],
  ['read', 'deployment/**', 'read-job'],
  ['write', 'deployment/**', 'submit-job'], // deployment_endpoint.go Promote/Fail/Pause
  ['read', 'services', 'read-job'], // service_registration_endpoint.go List/GetService: AllowServiceRegistrationReadList
  ['read', 'service/*', 'read-job'],
  ['read', 'client/stats', 'node:read'], // client_stats_endpoint.go Stats: AllowNodeRead
  ['read', 'client/metadata', 'node:read'], // client_meta_endpoint.go Read: AllowNodeRead
  ['read', 'node/pools', 'node_pool:read'], // node_pool_endpoint.go: AllowNodePoolOperation(pool, read)
  ['read', 'node/pool/**', 'node_pool:read'],
  ['read', 'volumes', 'csi-list-volume'], // csi_endpoint.go List: csi-list-volume (or csi-read/mount-volume, list-jobs)
  ['read', 'volume/csi/*', 'csi-read-volume'], // csi_endpoint.go Get: csi-read-volume (or csi-mount-volume, read-job)
  ['read', 'volume/host/*', 'host-volume-read'], // host_volume_endpoint.go Get (Nomad 1.10+)
  ['read', 'plugins', 'plugin:list'], // csi_endpoint.go CSIPlugin.List: AllowPluginList
  ['read', 'plugin/**', 'plugin:read'], // CSIPlugin.Get: AllowPluginRead
  ['read', 'nodes', 'node:read'],
  ['read', 'node/**', 'node:read'],
  ['write', 'node/**', 'node:write'],
  ['read', 'agent/self', 'agent:read'], // agent_endpoint.go: AllowAgentRead
  ['read', 'agent/members', 'node:read'], // agent_endpoint.go Members: AllowNodeRead
  ['read', 'agent/monitor', 'agent:read'], // nomad/client_agent_endpoint.go monitor ~154: AllowAgentRead
  ['read', 'operator/raft/configuration', 'management'], // Operator.RaftGetConfiguration: IsManagement (operator_endpoint.go ~58)
  ['read', 'operator/**', 'operator:read'],
  ['write', 'operator/**', 'operator:write'],
  ['read', 'scaling/policies', 'list-scaling-policies'], // scaling_endpoint.go ListPolicies (or list-jobs + read-job)
  ['read', 'scaling/policy/*', 'read-scaling-policy'], // GetPolicy (or list-jobs + read-job)
  ['read', 'acl/token/self', 'known-token'], // ACL.ResolveToken / WhoAmI: only an unknown or expired token is refused
  ['read', 'acl/token/*', 'own-token'], // acl_endpoint.go GetToken: management, or the token's own accessor
  ['read', 'acl/policy/*', 'held-policy'], // GetPolicy: management, or a token holding the policy
  ['read', 'acl/role/*', 'held-role'], // GetRoleByID: management, or a token holding the role
  ['read', 'acl/roles', 'known-token'], // ListRoles: a client token sees its own roles
  ['read', 'acl/policies', 'known-token'], // ListPolicies: a client token sees its own policies
  ['read', 'acl/auth-methods', 'known-token'], // ListAuthMethods checks no token
  ['any', 'acl/**', 'management'], // ListTokens, GetAuthMethod, ListBindingRules, GetBindingRule, every ACL write
  ['read', 'vars', 'variables list'],
  ['read', 'var/**', 'variables read'],
  ['write', 'var/**', 'variables write'],
  ['delete', 'var/**', 'variables destroy'],
  ['read', 'namespace/*', 'a capability'], // namespace_endpoint.go GetNamespace: any capability in it
  ['any', 'search/**', 'read-job'],
  ['read', 'event/stream', 'read-job'],
];

/** Conditions that are not a policy capability, said as a sentence. */
const CONDITIONS: Record<string, string> = {
  management: 'the endpoint needs a management token',
  'known-token': 'Nomad does not know the token (or it expired)',
  'own-token': 'only a management token, or the token itself, may read a token',
  'held-policy': 'only a management token, or a token holding the policy, may read it',
  'held-role': 'only a management token, or a token holding the role, may read it',
};

const RULES: Rule[] = TABLE.map(([method, pattern, capability]) => ({
  method,
  segments: pattern.split('/'),
  capability,
  namespaced: !capability.includes(':') && !Object.hasOwn(CONDITIONS, capability),
}));

function methodClass(method: string): MethodClass {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'read';
  if (m === 'DELETE') return 'delete';
  return 'write';
}

/** Segment-wise match: each segment compared once (linear in the path). */
function matches(rule: Rule, segs: string[]): boolean {
  const pat = rule.segments;
  for (let i = 0; i < pat.length; i++) {
    if (pat[i] === '**') return segs.length > i;
    if (i >= segs.length) return false;
    if (pat[i] !== '*' && pat[i] !== segs[i]) return false;
  }
  return segs.length === pat.length;
}

export interface Needed {
  capability: string;
  /** The namespace Nomad checked it in; undefined for global capabilities. */
  namespace?: string;
}

/** The capability Nomad checks for this request, when the endpoint is in the table. */
export function capabilityFor(method: string, path: string, namespace?: string): Needed | undefined {
  const q = path.indexOf('?');
  const bare = q >= 0 ? path.slice(0, q) : path;
  if (!bare.startsWith('/v1/')) return undefined;
  const segs = bare.slice(4).split('/').filter((s) => s !== '');
  const cls = methodClass(method);
  for (const rule of RULES) {
    if (rule.method !== 'any' && rule.method !== cls) continue;
    if (!matches(rule, segs)) continue;
    return rule.namespaced ? { capability: rule.capability, namespace: namespace || 'default' } : { capability: rule.capability };
  }
  return undefined;
}

/** `the token lacks read-logs in namespace "web"`, or undefined when the endpoint is not in the table. */
export function deniedReason(method: string, path: string, namespace?: string): string | undefined {
  const need = capabilityFor(method, path, namespace);
  if (!need) return undefined;
  if (Object.hasOwn(CONDITIONS, need.capability)) return CONDITIONS[need.capability];
  if (need.namespace === '*') return `the token lacks ${need.capability} in every namespace ("*" needs it in each)`;
  return need.namespace !== undefined ? `the token lacks ${need.capability} in namespace "${need.namespace}"` : `the token lacks ${need.capability}`;
}

/** Whether an upstream error text is Nomad's permission refusal (403, or 500 from client endpoints). */
export function isPermissionDenied(status: number, text: string): boolean {
  if (status === 403) return true;
  const t = text.trim();
  return status === 500 && (t.endsWith('Permission denied') || t.endsWith('ACL token not found'));
}
