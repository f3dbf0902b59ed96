/**
 * A compiled ACL, as Nomad's acl/acl.go NewACL builds it from a token's policies: capability sets
 * per namespace (concrete names and globs), per variables path, and the single-valued agent, node,
 * operator, quota and plugin rules. The Allow* methods answer as acl.go's do.
 */
import type { Policy } from './aclpolicy.js';
import { glob } from './glob.js';

type CapSet = Set<string>;

/** acl.go maxPrivilege: deny beats everything, then write, read, list. */
function maxPrivilege(a: string, b: string): string {
  if (a === 'deny' || b === 'deny') return 'deny';
  if (a === 'write' || b === 'write') return 'write';
  if (a === 'read' || b === 'read') return 'read';
  if (a === 'list' || b === 'list') return 'list';
  return '';
}

/** Keys in the byte order go-immutable-radix walks them. */
function sortedKeys(m: Map<string, CapSet>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * acl.go findClosestMatchingGlob: every glob matching the name, the smallest "difference"
 * (len(name) - len(glob) + number of `*`) wins. Nomad sorts with sort.SliceStable and a `<=`
 * comparator over radix order, which leaves the last of equally close globs first; so does this.
 */
function closestGlob(globs: Map<string, CapSet>, name: string): CapSet | undefined {
  let best: { d: number; caps: CapSet } | undefined;
  for (const k of sortedKeys(globs)) {
    if (!glob(k, name)) continue;
    const d = name.length - k.length + (k.split('*').length - 1);
    if (!best || d <= best.d) best = { d, caps: globs.get(k)! };
  }
  return best?.caps;
}

function expandNodePoolPolicy(policy: string): string[] {
  if (policy === 'deny') return ['deny'];
  if (policy === 'read') return ['read'];
  if (policy === 'write') return ['delete', 'read', 'write'];
  return [];
}

export class SimAcl {
  private readonly namespaces = new Map<string, CapSet>();
  private readonly wildcardNamespaces = new Map<string, CapSet>();
  private readonly variables = new Map<string, CapSet>();
  private readonly wildcardVariables = new Map<string, CapSet>();
  private readonly nodePools = new Map<string, CapSet>();
  private readonly wildcardNodePools = new Map<string, CapSet>();
  private agent = '';
  private node = '';
  private operator = '';
  private quota = '';
  private plugin = '';

  private constructor(readonly management: boolean, readonly aclsDisabled: boolean) {}

  /** acl.ManagementACL. */
  static readonly MANAGEMENT = new SimAcl(true, false);
  /** acl.ACLsDisabledACL: everything allowed, IsManagement() true. */
  static readonly DISABLED = new SimAcl(false, true);

  /** acl.go NewACL(false, policies). */
  static compile(policies: Policy[]): SimAcl {
    const acl = new SimAcl(false, false);
    for (const policy of policies) {
      for (const ns of policy.namespaces) {
        const isGlob = ns.name.includes('*');
        const table = isGlob ? acl.wildcardNamespaces : acl.namespaces;
        let caps = table.get(ns.name);
        if (!caps) table.set(ns.name, (caps = new Set()));
        for (const path of ns.variables ?? []) {
          const key = `${ns.name}\u0000${path.pathSpec}`;
          const vt = isGlob || path.pathSpec.includes('*') ? acl.wildcardVariables : acl.variables;
          let vcaps = vt.get(key);
          if (!vcaps) vt.set(key, (vcaps = new Set()));
          for (const c of path.capabilities) vcaps.add(c);
        }
        // Deny always takes precedence, and a deny in this policy clears what others granted.
        if (caps.has('deny')) continue;
        for (const c of ns.capabilities) {
          if (c === 'deny') {
            caps.clear();
            caps.add('deny');
            break;
          }
          caps.add(c);
        }
      }
      // node_pool "<name>" { policy | capabilities }: deny wins within a pool (acl.go NewACL ~198–226,
      // policy.go expandNodePoolPolicy: read → [read], write → [delete read write])
      for (const np of policy.nodePools) {
        const table = np.name.includes('*') ? acl.wildcardNodePools : acl.nodePools;
        let caps = table.get(np.name);
        if (!caps) table.set(np.name, (caps = new Set()));
        if (caps.has('deny')) continue;
        const granted = [...np.capabilities, ...expandNodePoolPolicy(np.policy)];
        if (granted.includes('deny')) {
          caps.clear();
          caps.add('deny');
          continue;
        }
        for (const c of granted) caps.add(c);
      }
      if (policy.agent !== undefined) acl.agent = maxPrivilege(acl.agent, policy.agent);
      if (policy.node !== undefined) acl.node = maxPrivilege(acl.node, policy.node);
      if (policy.operator !== undefined) acl.operator = maxPrivilege(acl.operator, policy.operator);
      if (policy.quota !== undefined) acl.quota = maxPrivilege(acl.quota, policy.quota);
      if (policy.plugin !== undefined) acl.plugin = maxPrivilege(acl.plugin, policy.plugin);
    }
    return acl;
  }

  private get all(): boolean {
    return this.management || this.aclsDisabled;
  }

  /** IsManagement: a management token, or ACLs disabled. */
  isManagement(): boolean {
    return this.all;
  }

  private namespaceCaps(ns: string): CapSet | undefined {
    return this.namespaces.get(ns) ?? closestGlob(this.wildcardNamespaces, ns);
  }

  private anyNamespace(cb: (c: CapSet) => boolean): boolean {
    for (const k of sortedKeys(this.namespaces)) if (cb(this.namespaces.get(k)!)) return true;
    for (const k of sortedKeys(this.wildcardNamespaces)) if (cb(this.wildcardNamespaces.get(k)!)) return true;
    return false;
  }

  /** AllowNamespaceOperation; with `*`, true when any namespace rule grants the operation. */
  allowNsOp(ns: string, op: string): boolean {
    if (this.all) return true;
    if (ns === '*' && this.anyNamespace((c) => c.has(op))) return true;
    return this.namespaceCaps(ns)?.has(op) ?? false;
  }

  /** NamespaceValidator(ops…): any of the operations. */
  allowNsAny(ns: string, ops: string[]): boolean {
    if (this.all) return true;
    return ops.some((op) => this.allowNsOp(ns, op));
  }

  /** AllowNamespace: any operation at all in the namespace (not deny). */
  allowNamespace(ns: string): boolean {
    if (this.all) return true;
    if (ns === '*' && this.anyNamespace((c) => c.size > 0 && !c.has('deny'))) return true;
    const caps = this.namespaceCaps(ns);
    if (!caps || caps.size === 0) return false;
    return !caps.has('deny');
  }

  /** AllowVariableOperation (without workload identity claims). */
  allowVariableOperation(ns: string, path: string, op: string): boolean {
    if (this.all) return true;
    const key = `${ns}\u0000${path}`;
    const caps = this.variables.get(key) ?? closestGlob(this.wildcardVariables, key);
    return caps?.has(op) ?? false;
  }

  /** AllowVariableSearch: any variables rule whose key starts with the namespace (radix SeekPrefix). */
  allowVariableSearch(ns: string): boolean {
    if (this.all) return true;
    if (ns === '*') return this.variables.size > 0 || this.wildcardVariables.size > 0;
    for (const k of this.variables.keys()) if (k.startsWith(ns)) return true;
    for (const k of this.wildcardVariables.keys()) if (k.startsWith(ns)) return true;
    return false;
  }

  /** AllowNodePoolOperation (acl.go ~388): the pool's closest rule (exact, else the closest glob). */
  allowNodePoolOperation(pool: string, op: string): boolean {
    if (this.all) return true;
    const caps = this.nodePools.get(pool) ?? closestGlob(this.wildcardNodePools, pool);
    return caps !== undefined && !caps.has('deny') && caps.has(op);
  }

  allowAgentRead(): boolean {
    return this.all || this.agent === 'write' || this.agent === 'read';
  }

  allowAgentWrite(): boolean {
    return this.all || this.agent === 'write';
  }

  allowNodeRead(): boolean {
    return this.all || this.node === 'write' || this.node === 'read';
  }

  allowNodeWrite(): boolean {
    return this.all || this.node === 'write';
  }

  allowOperatorRead(): boolean {
    return this.all || this.operator === 'write' || this.operator === 'read';
  }

  allowOperatorWrite(): boolean {
    return this.all || this.operator === 'write';
  }

  allowQuotaRead(): boolean {
    return this.all || this.quota === 'write' || this.quota === 'read';
  }

  allowQuotaWrite(): boolean {
    return this.all || this.quota === 'write';
  }

  /** AllowPluginRead: only `read` (a `write` plugin policy does not imply it in acl.go). */
  allowPluginRead(): boolean {
    return this.all || this.plugin === 'read';
  }

  allowPluginList(): boolean {
    return this.all || this.plugin === 'list' || this.plugin === 'read';
  }
}
