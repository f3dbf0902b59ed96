/**
 * ACL policy rules as Nomad 1.9 reads them (acl/policy.go Parse): HCL or JSON with `namespace`
 * blocks (`policy`, `capabilities`, `variables { path "…" { capabilities } }`), `node_pool`,
 * `host_volume`, and `agent`, `node`, `operator`, `quota`, `plugin` blocks with one `policy`.
 * The short-hand policies expand to capabilities exactly as expandNamespacePolicy does.
 */
import { HclError } from './hcl/diagnostic.js';
import { evaluate, Passthrough, type Value } from './hcl/eval.js';
import { type Body, parseHcl } from './hcl/parser.js';

export interface VariablesPathPolicy {
  pathSpec: string;
  capabilities: string[];
}

export interface NamespacePolicy {
  name: string;
  policy: string;
  capabilities: string[];
  /** undefined when the namespace has no `variables` block. */
  variables?: VariablesPathPolicy[];
}

export interface LabelledPolicy {
  name: string;
  policy: string;
  capabilities: string[];
}

export interface Policy {
  namespaces: NamespacePolicy[];
  nodePools: LabelledPolicy[];
  hostVolumes: LabelledPolicy[];
  agent?: string;
  node?: string;
  operator?: string;
  quota?: string;
  plugin?: string;
}

// acl/policy.go: the namespace capabilities (isNamespaceCapabilityValid, v1.9.7).
export const NAMESPACE_CAPABILITIES = [
  'deny', 'parse-job', 'list-jobs', 'read-job', 'submit-job', 'dispatch-job', 'read-logs', 'read-fs', 'alloc-lifecycle',
  'alloc-exec', 'alloc-node-exec', 'csi-read-volume', 'csi-write-volume', 'csi-list-volume', 'csi-mount-volume',
  'csi-register-plugin', 'list-scaling-policies', 'read-scaling-policy', 'read-job-scaling', 'scale-job',
  'sentinel-override', 'submit-recommendation',
  // Nomad 1.10+ host volumes (acl/policy.go v1.10.5 ~50)
  'host-volume-create', 'host-volume-register', 'host-volume-read', 'host-volume-write', 'host-volume-delete',
];

// acl/policy.go expandNamespacePolicy: what `policy = "read" | "write" | "scale" | "deny"` grants.
// host-volume-read / host-volume-create: Nomad 1.10+ (acl/policy.go v1.10.5 expandNamespacePolicy ~249, ~266)
const READ = ['list-jobs', 'parse-job', 'read-job', 'csi-list-volume', 'csi-read-volume', 'read-job-scaling', 'list-scaling-policies', 'read-scaling-policy', 'host-volume-read'];
const WRITE = [
  ...READ, 'scale-job', 'submit-job', 'dispatch-job', 'read-logs', 'read-fs', 'alloc-exec', 'alloc-lifecycle', 'csi-mount-volume',
  'csi-write-volume', 'submit-recommendation', 'host-volume-create',
];
const SCALE = ['list-scaling-policies', 'read-scaling-policy', 'read-job-scaling', 'scale-job'];

export function expandNamespacePolicy(policy: string): string[] {
  switch (policy) {
    case 'deny':
      return ['deny'];
    case 'read':
      return [...READ];
    case 'write':
      return [...WRITE];
    case 'scale':
      return [...SCALE];
    default:
      return [];
  }
}

const VALID_NAMESPACE = /^[a-zA-Z0-9-*]{1,128}$/;
const VALID_NODE_POOL = /^[a-zA-Z0-9-_*]{1,128}$/;
const PATH_CAPABILITIES = ['write', 'read', 'list', 'destroy', 'deny'];
const NODE_POOL_CAPABILITIES = ['delete', 'deny', 'read', 'write'];
const HOST_VOLUME_CAPABILITIES = ['deny', 'mount-readonly', 'mount-readwrite'];

/** isPolicyValid: the four short-hands the agent/node/operator/quota/namespace rules accept. */
function isPolicyValid(p: string): boolean {
  return p === 'deny' || p === 'read' || p === 'write' || p === 'scale';
}

/** expandVariablesCapabilities: deny wins alone; read implies list. */
function expandVariablesCapabilities(caps: string[]): string[] {
  if (caps.includes('deny')) return ['deny'];
  if (caps.includes('read') && !caps.includes('list')) return [...caps, 'list'];
  return caps;
}

export class PolicyError extends Error {}

type Tree = { [k: string]: unknown };

/** HCL body → the tree hcl.Decode sees: attributes as values, blocks as lists under their type. */
function bodyTree(body: Body): Tree {
  const out: Tree = {};
  for (const a of body.attributes) out[a.name] = plain(evaluate(a.expr, { vars: {}, locals: {} }));
  for (const b of body.blocks) {
    let node: unknown = bodyTree(b.body);
    for (let i = b.labels.length - 1; i >= 0; i--) node = { [b.labels[i]]: node };
    if (b.labels.length === 0 && (b.type === 'namespace' || b.type === 'path' || b.type === 'node_pool' || b.type === 'host_volume')) {
      // A labelled block written without its label: Nomad names it "" (policy.go hclDecode).
      node = { '': node };
    }
    const list = (out[b.type] ??= []) as unknown[];
    list.push(node);
  }
  return out;
}

function plain(v: Value): unknown {
  if (v instanceof Passthrough) return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A block value as objects (HCL1 decodes one object or a list of objects alike). */
function objects(v: unknown): Tree[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap(objects);
  if (isTree(v)) return [v];
  throw new PolicyError(`unexpected value ${JSON.stringify(v)}`);
}

/** Labelled blocks: `{label: body}` objects, possibly in a list. */
function labelled(v: unknown): [string, Tree][] {
  const out: [string, Tree][] = [];
  for (const o of objects(v)) {
    for (const [name, body] of Object.entries(o)) for (const b of objects(body)) out.push([name, b]);
  }
  return out;
}

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new PolicyError(`${what}: expected a string`);
}

function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return [str(v, what)];
  return v.map((x) => str(x, what));
}

/** The `policy` of a single unlabelled block (`node { policy = "read" }`), last block wins. */
function blockPolicy(v: unknown): string | undefined {
  const list = objects(v);
  if (list.length === 0) return undefined;
  return str(list[list.length - 1].policy, 'policy');
}

function goList(caps: string[]): string {
  return caps.length ? `[]string{${caps.map((c) => JSON.stringify(c)).join(', ')}}` : '[]string(nil)';
}

function nsRepr(ns: NamespacePolicy): string {
  return `&acl.NamespacePolicy{Name:${JSON.stringify(ns.name)}, Policy:${JSON.stringify(ns.policy)}, Capabilities:${goList(ns.capabilities)}}`;
}

function decode(tree: Tree): Policy {
  const p: Policy = { namespaces: [], nodePools: [], hostVolumes: [] };
  for (const [name, body] of labelled(tree.namespace)) {
    const ns: NamespacePolicy = { name, policy: str(body.policy, 'policy'), capabilities: strings(body.capabilities, 'capabilities') };
    const vars = objects(body.variables);
    if (vars.length) ns.variables = vars.flatMap((v) => labelled(v.path).map(([pathSpec, pb]) => ({ pathSpec, capabilities: strings(pb.capabilities, 'capabilities') })));
    p.namespaces.push(ns);
  }
  for (const [name, body] of labelled(tree.node_pool)) p.nodePools.push({ name, policy: str(body.policy, 'policy'), capabilities: strings(body.capabilities, 'capabilities') });
  for (const [name, body] of labelled(tree.host_volume)) p.hostVolumes.push({ name, policy: str(body.policy, 'policy'), capabilities: strings(body.capabilities, 'capabilities') });
  p.agent = blockPolicy(tree.agent);
  p.node = blockPolicy(tree.node);
  p.operator = blockPolicy(tree.operator);
  p.quota = blockPolicy(tree.quota);
  p.plugin = blockPolicy(tree.plugin);
  return p;
}

function isEmpty(p: Policy): boolean {
  return p.namespaces.length === 0 && p.nodePools.length === 0 && p.hostVolumes.length === 0 && p.agent === undefined
    && p.node === undefined && p.operator === undefined && p.quota === undefined && p.plugin === undefined;
}

/** Validates and expands a decoded policy, with acl/policy.go Parse's messages. */
function validate(p: Policy, raw: string): Policy {
  if (isEmpty(p)) throw new PolicyError(`Invalid policy: ${raw}`);
  for (const ns of p.namespaces) {
    if (!VALID_NAMESPACE.test(ns.name)) throw new PolicyError(`Invalid namespace name: ${nsRepr(ns)}`);
    if (ns.policy !== '' && !isPolicyValid(ns.policy)) throw new PolicyError(`Invalid namespace policy: ${nsRepr(ns)}`);
    for (const c of ns.capabilities) {
      if (!NAMESPACE_CAPABILITIES.includes(c)) throw new PolicyError(`Invalid namespace capability '${c}': ${nsRepr(ns)}`);
    }
    if (ns.policy !== '') ns.capabilities = [...ns.capabilities, ...expandNamespacePolicy(ns.policy)];
    if (ns.variables) {
      if (ns.variables.length === 0) throw new PolicyError(`Invalid variable policy: no variable paths in namespace ${ns.name}`);
      for (const path of ns.variables) {
        if (path.pathSpec === '') throw new PolicyError(`Invalid missing variable path in namespace ${ns.name}`);
        if (path.pathSpec.startsWith('/')) {
          throw new PolicyError(`Invalid variable path ${JSON.stringify(path.pathSpec)} in namespace ${ns.name}: cannot start with a leading '/'\``);
        }
        for (const c of path.capabilities) {
          if (!PATH_CAPABILITIES.includes(c)) throw new PolicyError(`Invalid variable capability '${c}' in namespace ${ns.name}`);
        }
        path.capabilities = expandVariablesCapabilities(path.capabilities);
      }
    }
  }
  for (const np of p.nodePools) {
    if (!VALID_NODE_POOL.test(np.name)) throw new PolicyError(`Invalid node pool name '${np.name}'`);
    if (np.policy !== '' && !isPolicyValid(np.policy)) throw new PolicyError(`Invalid node pool policy '${np.policy}' for '${np.name}'`);
    for (const c of np.capabilities) {
      if (!NODE_POOL_CAPABILITIES.includes(c)) throw new PolicyError(`Invalid node pool capability '${c}' for '${np.name}'`);
    }
    const extra = np.policy === 'deny' ? ['deny'] : np.policy === 'read' ? ['read'] : np.policy === 'write' ? ['delete', 'read', 'write'] : [];
    np.capabilities = [...np.capabilities, ...extra];
  }
  for (const hv of p.hostVolumes) {
    if (!VALID_NAMESPACE.test(hv.name)) throw new PolicyError(`Invalid host volume name: ${JSON.stringify(hv.name)}`);
    if (hv.policy !== '' && !isPolicyValid(hv.policy)) throw new PolicyError(`Invalid host volume policy: ${JSON.stringify(hv.policy)}`);
    for (const c of hv.capabilities) {
      if (!HOST_VOLUME_CAPABILITIES.includes(c)) throw new PolicyError(`Invalid host volume capability '${c}'`);
    }
  }
  const simple: [keyof Policy, string, string][] = [['agent', 'agent', 'AgentPolicy'], ['node', 'node', 'NodePolicy'], ['operator', 'operator', 'OperatorPolicy'], ['quota', 'quota', 'QuotaPolicy']];
  for (const [key, label, type] of simple) {
    const v = p[key] as string | undefined;
    if (v !== undefined && !isPolicyValid(v)) throw new PolicyError(`Invalid ${label} policy: &acl.${type}{Policy:${JSON.stringify(v)}}`);
  }
  if (p.plugin !== undefined && !['deny', 'read', 'list', 'write'].includes(p.plugin)) {
    throw new PolicyError(`Invalid plugin policy: &acl.PluginPolicy{Policy:${JSON.stringify(p.plugin)}}`);
  }
  return p;
}

/**
 * Parses ACL rules (HCL, or JSON, which hashicorp/hcl v1 also reads) and validates them.
 * Throws PolicyError with Nomad's message: `Failed to parse ACL Policy: …`, `Invalid policy: …`,
 * `Invalid namespace policy: …` and so on.
 */
export function parsePolicy(rules: string): Policy {
  if (rules === '') return { namespaces: [], nodePools: [], hostVolumes: [] };
  let tree: Tree;
  try {
    if (rules.trimStart().startsWith('{')) {
      const v: unknown = JSON.parse(rules);
      if (!isTree(v)) throw new PolicyError('root should be an object');
      tree = v;
    } else tree = bodyTree(parseHcl(rules));
  } catch (e) {
    if (e instanceof HclError || e instanceof SyntaxError || e instanceof PolicyError) throw new PolicyError(`Failed to parse ACL Policy: ${e.message}`);
    throw e;
  }
  let p: Policy;
  try {
    p = decode(tree);
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`Failed to parse ACL Policy: ${e.message}`);
    throw e;
  }
  return validate(p, rules);
}
