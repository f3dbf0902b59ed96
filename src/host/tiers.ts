/**
 * Safety tiers from more than the YAML: a tool's, resource's or prompt's effective tier is the strictest of what
 * its descriptor says, what its plugin declares in code and what its HTTP requests imply. `--read-only` and
 * `--allow-destructive` act on that, so a descriptor that claims less than it does cannot widen what a caller may do.
 */
import type { RequestSpec, Tier, ToolAnnotations } from './types.js';

const RANK: Record<Tier, number> = { read: 0, write: 1, destructive: 2 };

/** True when `a` allows more than `b`. */
export function isStricter(a: Tier, b: Tier): boolean {
  return RANK[a] > RANK[b];
}

/** The stricter of two tiers. */
export function stricter(a: Tier, b: Tier): Tier {
  return isStricter(b, a) ? b : a;
}

/** The strictest of some tiers (`read` for none). */
export function strictest(tiers: Iterable<Tier>): Tier {
  let out: Tier = 'read';
  for (const t of tiers) out = stricter(out, t);
  return out;
}

/** Tier from a descriptor's explicit `tier`, else its annotations; a tool that says nothing counts as a write. */
export function declaredTier(d: { tier?: Tier; annotations?: ToolAnnotations }): Tier {
  if (d.tier) return d.tier;
  if (d.annotations?.readOnlyHint) return 'read';
  if (d.annotations?.destructiveHint) return 'destructive';
  return 'write';
}

/** How a descriptor states its tier, for a mismatch message. */
export function declaredWords(d: { tier?: Tier; annotations?: ToolAnnotations }): string {
  if (d.tier) return `it says tier: ${d.tier}`;
  if (d.annotations?.readOnlyHint) return 'it says readOnlyHint: true';
  if (d.annotations?.destructiveHint) return 'it says destructiveHint: true';
  return d.annotations?.destructiveHint === false ? 'it says destructiveHint: false' : 'it has no destructiveHint';
}

/** What to write in the YAML so it states a tier honestly. */
export function tierAdvice(t: Tier): string {
  if (t === 'destructive') return 'mark it readOnlyHint: false, destructiveHint: true';
  if (t === 'write') return 'mark it readOnlyHint: false';
  return 'mark it readOnlyHint: true';
}

/**
 * Nomad endpoints that change nothing whatever their method: the query or document travels as a body.
 * A templated segment must be one double-stash expression (encoded as one segment, so it cannot reach another route).
 */
const READ_BODIES = [
  /^\/v1\/search(\/fuzzy)?$/, // nomad/search_endpoint.go: PrefixSearch, FuzzySearch
  /^\/v1\/jobs\/parse$/, // command/agent/job_endpoint.go JobsParseRequest: HCL → JSON only
  /^\/v1\/validate\/job$/, // command/agent/job_endpoint.go ValidateJobRequest
  /^\/v1\/job\/\{\{\s*[A-Za-z_]\w*\s*\}\}\/plan$/, // nomad/job_endpoint.go Job.Plan: a dry run
];

/** `DELETE /v1/job/{{id}}` is a stop (Nomad keeps the job, start_job brings it back) unless `purge` is set. */
const JOB_DEREGISTER = /^\/v1\/job\/\{\{\s*[A-Za-z_]\w*\s*\}\}$/;
const ONE_ARG = /^\{\{\s*([A-Za-z_]\w*)\s*\}\}$/;

/**
 * The tier a request implies by its method: a floor, not a ceiling (Nomad stops an allocation with a POST, so the
 * YAML may say more, never less). GET/HEAD read; POST/PUT/PATCH write, except Nomad's read-only bodies (search,
 * parse, validate, plan); DELETE is destructive, except a job deregister (nomad/job_endpoint.go Deregister: a stop,
 * reversible) whose `purge` is absent or an argument that `destructiveWhen` names (refused unless allowed).
 */
export function methodTier(spec: RequestSpec, destructiveWhen: string[] = []): Tier {
  switch (spec.method) {
    case 'GET':
    case 'HEAD':
      return 'read';
    case 'DELETE': {
      if (!JOB_DEREGISTER.test(spec.path)) return 'destructive';
      const purge = spec.query?.purge;
      if (purge === undefined) return 'write';
      const arg = typeof purge === 'string' ? ONE_ARG.exec(purge)?.[1] : undefined;
      return arg && destructiveWhen.includes(arg) ? 'write' : 'destructive';
    }
    default:
      return READ_BODIES.some((r) => r.test(spec.path)) ? 'read' : 'write';
  }
}

/** The MCP annotations a client sees, made true to the effective tier (a hint may be raised, never lowered). */
export function annotationsFor(a: ToolAnnotations, tier: Tier): ToolAnnotations {
  const out = { ...a };
  if (tier !== 'read' && out.readOnlyHint) out.readOnlyHint = false;
  if (tier === 'destructive') out.destructiveHint = true;
  return out;
}
