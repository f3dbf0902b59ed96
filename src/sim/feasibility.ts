/** Node feasibility: constraint checking as Nomad's scheduler/feasible.go does it. */
import type { Constraint, Node } from './types.js';
import { glob } from './glob.js';
import { compileGo } from './re2.js';

/** Resolves a constraint target (`${attr.kernel.name}`, `${node.class}`, `${meta.x}`, or a literal). */
export function resolveTarget(target: string, node: Node): { value: string | undefined; found: boolean } {
  const m = /^\$\{(.+)\}$/.exec(target);
  if (!m) return { value: target, found: true };
  const ref = m[1];
  let value: string | undefined;
  if (ref === 'node.unique.id') value = node.ID;
  else if (ref === 'node.datacenter') value = node.Datacenter;
  else if (ref === 'node.unique.name') value = node.Name;
  else if (ref === 'node.class') value = node.NodeClass;
  else if (ref === 'node.pool') value = node.NodePool;
  else if (ref.startsWith('attr.')) value = node.Attributes[ref.slice(5)];
  else if (ref.startsWith('meta.')) value = node.Meta[ref.slice(5)];
  return { value, found: value !== undefined };
}

function versionParts(v: string): number[] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function cmpVersion(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** go-version constraint strings such as ">= 1.2, < 2.0" or "~> 1.9". */
export function versionMatches(version: string, constraint: string): boolean {
  const v = versionParts(version);
  if (!v) return false;
  return constraint.split(',').every((clause) => {
    const m = /^\s*(>=|<=|!=|~>|=|>|<)?\s*(\S+)\s*$/.exec(clause);
    if (!m) return false;
    const want = versionParts(m[2]);
    if (!want) return false;
    const c = cmpVersion(v, want);
    switch (m[1] ?? '=') {
      case '=': return c === 0;
      case '!=': return c !== 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '~>': {
        const segs = m[2].split('.').length;
        const upper = segs <= 2 ? [want[0] + 1, 0, 0] : [want[0], want[1] + 1, 0];
        return c >= 0 && cmpVersion(v, upper) < 0;
      }
    }
    return false;
  });
}

function order(op: string, l: string, r: string): boolean {
  const ln = Number(l);
  const rn = Number(r);
  const [a, b] = !Number.isNaN(ln) && !Number.isNaN(rn) ? [ln, rn] : [l as unknown as number, r as unknown as number];
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a >= b;
  }
}

/** checkConstraint from feasible.go. distinct_* are handled by the placement loop. */
export function constraintHolds(c: Constraint, node: Node): boolean {
  if (c.Operand === 'distinct_hosts' || c.Operand === 'distinct_property') return true;
  const l = resolveTarget(c.LTarget, node);
  const r = resolveTarget(c.RTarget, node);
  const lv = l.value ?? '';
  const rv = r.value ?? '';
  switch (c.Operand) {
    case '=':
    case '==':
    case 'is':
      return l.found && r.found && lv === rv;
    case '!=':
    case 'not':
      return !(l.found === r.found && lv === rv);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return l.found && r.found && order(c.Operand, lv, rv);
    case 'is_set':
      return l.found;
    case 'is_not_set':
      return !l.found;
    case 'version':
    case 'semver':
      return l.found && r.found && versionMatches(lv, rv);
    case 'regexp':
      try {
        return l.found && r.found && compileGo(rv).test(lv);
      } catch {
        return false;
      }
    case 'set_contains':
    case 'set_contains_all': {
      const have = new Set(lv.split(',').map((s) => s.trim()));
      return l.found && r.found && rv.split(',').every((s) => have.has(s.trim()));
    }
    case 'set_contains_any': {
      const have = new Set(lv.split(',').map((s) => s.trim()));
      return l.found && r.found && rv.split(',').some((s) => have.has(s.trim()));
    }
  }
  return false;
}

/** The key Nomad uses in ConstraintFiltered: Constraint.String(). */
export function constraintString(c: Constraint): string {
  return `${c.LTarget} ${c.Operand} ${c.RTarget}`;
}

/** Datacenter patterns of a job ("dc1", "dc*", "*"). */
export function datacenterMatches(patterns: string[], dc: string): boolean {
  return patterns.some((p) => glob(p, dc));
}
