/**
 * Allocation lookup: resolve an ID or unique prefix (Nomad's GET /v1/allocation/:id needs the exact
 * UUID) and pick the allocation a log or status call is about.
 */
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';
import { nomadPath } from '../../host/template.js';
import { type AllocStub, type Allocation, isoOrNull, short } from './nomad.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PREFIX = /^[0-9a-f-]+$/;

/** How many candidates an ambiguity error lists. */
const MAX_CANDIDATES = 8;

/** Validates and normalises an allocation ID or prefix (lower case hex and dashes). */
export function normaliseAllocId(input: string): string {
  const id = input.trim().toLowerCase();
  if (!id || !PREFIX.test(id)) {
    throw new ToolError(`"${input}" is not an allocation ID or ID prefix (expected hexadecimal like 1a2b3c4d).`, 'caller');
  }
  return id;
}

/** One line per candidate for an ambiguity error. */
function candidateLine(a: AllocStub): string {
  return `${short(a.ID)} (${a.ID}) job ${a.JobID ?? '?'} group ${a.TaskGroup ?? '?'} ${a.ClientStatus ?? '?'}`;
}

/**
 * Picks the one allocation a prefix names from the list Nomad returned for it (Nomad may drop an odd
 * last hex digit from the prefix, so the list is filtered again here).
 */
export function matchPrefix(prefix: string, list: AllocStub[], namespace?: string): AllocStub {
  const matches = list.filter((a) => a.ID.startsWith(prefix));
  if (matches.length === 0) {
    throw new ToolError(
      `no allocation with ID prefix "${prefix}"${namespace ? ` in namespace "${namespace}"` : ''}. get_allocation_status with job_id lists a job's allocations.`,
      'caller',
      404,
    );
  }
  const exact = matches.find((a) => a.ID === prefix);
  if (exact) return exact;
  if (matches.length > 1) {
    const shown = matches.slice(0, MAX_CANDIDATES).map(candidateLine);
    const more = matches.length > MAX_CANDIDATES ? `\n… and ${matches.length - MAX_CANDIDATES} more` : '';
    throw new ToolError(
      `The allocation ID prefix "${prefix}" matches ${matches.length} allocations; give more characters:\n${shown.join('\n')}${more}`,
      'caller',
    );
  }
  return matches[0];
}

/** Resolves an ID or prefix to an allocation stub (with TaskStates) via GET /v1/allocations?prefix=. */
export async function resolveAlloc(ctx: ToolContext, input: string): Promise<AllocStub> {
  const id = normaliseAllocId(input);
  const res = await ctx.nomad.get<AllocStub[] | null>('/v1/allocations', { query: { prefix: id }, signal: ctx.signal });
  return matchPrefix(id, res.data ?? [], ctx.namespace);
}

/** The full allocation (with its Job) for an ID or prefix. */
export async function getAllocation(ctx: ToolContext, input: string): Promise<Allocation> {
  const id = normaliseAllocId(input);
  const full = UUID.test(id) ? id : (await resolveAlloc(ctx, id)).ID;
  try {
    const res = await ctx.nomad.get<Allocation>(nomadPath`/v1/allocation/${full}`, { signal: ctx.signal });
    return res.data;
  } catch (err) {
    if (err instanceof ToolError && err.status === 404) {
      throw new ToolError(`no allocation with ID "${full}" (Nomad 404: alloc not found).`, 'caller', 404);
    }
    throw err;
  }
}

function recency(a: AllocStub): number {
  return a.CreateIndex ?? (a.CreateTime ?? 0) / 1e9;
}

/** The allocation whose logs a job-level call reads: the newest running one, else the newest one. */
export function pickAllocation(list: AllocStub[]): AllocStub | undefined {
  const sorted = [...list].sort((a, b) => recency(b) - recency(a) || (b.ModifyIndex ?? 0) - (a.ModifyIndex ?? 0));
  return sorted.find((a) => a.ClientStatus === 'running') ?? sorted[0];
}

/** Running allocations that Nomad still wants running: the ones `nomad job restart` restarts. */
export function runningAllocations(list: AllocStub[]): AllocStub[] {
  return list.filter((a) => a.ClientStatus === 'running' && a.DesiredStatus === 'run');
}

/** The fields every structured allocation answer carries. */
export function allocFields(a: AllocStub): Record<string, unknown> {
  return {
    id: a.ID,
    group: a.TaskGroup ?? null,
    node_id: a.NodeID ?? null,
    node_name: a.NodeName ?? null,
    client_status: a.ClientStatus ?? null,
    desired_status: a.DesiredStatus ?? null,
    created: isoOrNull(a.CreateTime),
  };
}
