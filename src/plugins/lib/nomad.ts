/**
 * Loose shapes of the Nomad API objects the plugins read (only the fields used), and the small
 * formatting helpers every plugin shares (short IDs, ISO times, ages).
 */
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';
import { nomadPath } from '../../host/template.js';
import { nomadDate, nomadTime } from '../../host/shape.js';
import { timeWithAge } from '../../host/table.js';

export interface TaskEvent {
  Type?: string;
  Time?: number;
  DisplayMessage?: string;
  Message?: string;
}

export interface TaskState {
  State?: string;
  Failed?: boolean;
  Restarts?: number;
  StartedAt?: string | null;
  FinishedAt?: string | null;
  Events?: TaskEvent[] | null;
}

/** What an allocation list stub and a full allocation share. */
interface AllocBase {
  ID: string;
  Namespace?: string;
  EvalID?: string;
  Name?: string;
  NodeID?: string;
  NodeName?: string;
  JobID?: string;
  TaskGroup?: string;
  DesiredStatus?: string;
  DesiredDescription?: string;
  ClientStatus?: string;
  ClientDescription?: string;
  TaskStates?: Record<string, TaskState> | null;
  DeploymentStatus?: { Healthy?: boolean | null; Canary?: boolean } | null;
  FollowupEvalID?: string;
  CreateIndex?: number;
  ModifyIndex?: number;
  CreateTime?: number;
  ModifyTime?: number;
}

/** An allocation in a list (/v1/allocations, /v1/job/:id/allocations): Nomad's AllocListStub, which has JobVersion but no Job. */
export interface AllocStub extends AllocBase {
  JobVersion?: number;
}

/** One full allocation (/v1/allocation/:id): the Job embedded, no JobVersion (read Job.Version). */
export interface Allocation extends AllocBase {
  Job?: Job;
  NextAllocation?: string;
}

export interface Task {
  Name: string;
  Driver?: string;
  Lifecycle?: { Hook?: string; Sidecar?: boolean } | null;
}

export interface TaskGroup {
  Name: string;
  Count?: number;
  Tasks?: Task[] | null;
}

export interface Job {
  ID: string;
  Name?: string;
  Namespace?: string;
  Type?: string;
  Status?: string;
  StatusDescription?: string;
  Stop?: boolean;
  Version?: number;
  Stable?: boolean;
  TaskGroups?: TaskGroup[] | null;
  SubmitTime?: number;
  [key: string]: unknown;
}

export interface GroupSummary {
  Queued?: number;
  Complete?: number;
  Failed?: number;
  Running?: number;
  Starting?: number;
  Lost?: number;
  Unknown?: number;
}

export interface JobSummary {
  JobID?: string;
  Summary?: Record<string, GroupSummary> | null;
  Children?: { Pending?: number; Running?: number; Dead?: number } | null;
}

export interface AllocMetric {
  NodesEvaluated?: number;
  NodesFiltered?: number;
  NodesInPool?: number;
  NodesAvailable?: Record<string, number> | null;
  ClassFiltered?: Record<string, number> | null;
  ConstraintFiltered?: Record<string, number> | null;
  NodesExhausted?: number;
  ClassExhausted?: Record<string, number> | null;
  DimensionExhausted?: Record<string, number> | null;
  QuotaExhausted?: string[] | null;
  CoalescedFailures?: number;
}

export interface Evaluation {
  ID: string;
  Namespace?: string;
  Type?: string;
  TriggeredBy?: string;
  JobID?: string;
  Status?: string;
  StatusDescription?: string;
  BlockedEval?: string;
  PreviousEval?: string;
  NextEval?: string;
  FailedTGAllocs?: Record<string, AllocMetric> | null;
  QueuedAllocations?: Record<string, number> | null;
  QuotaLimitReached?: string;
  DeploymentID?: string;
  CreateIndex?: number;
  ModifyIndex?: number;
  CreateTime?: number;
  ModifyTime?: number;
}

export interface DeploymentState {
  DesiredTotal?: number;
  DesiredCanaries?: number;
  PlacedCanaries?: string[] | null;
  PlacedAllocs?: number;
  HealthyAllocs?: number;
  UnhealthyAllocs?: number;
  Promoted?: boolean;
}

export interface Deployment {
  ID: string;
  JobID?: string;
  Namespace?: string;
  JobVersion?: number;
  Status?: string;
  StatusDescription?: string;
  TaskGroups?: Record<string, DeploymentState> | null;
  CreateIndex?: number;
  ModifyIndex?: number;
  CreateTime?: number;
  ModifyTime?: number;
}

export interface RegisterResponse {
  EvalID?: string;
  EvalCreateIndex?: number;
  JobModifyIndex?: number;
  Warnings?: string;
  Index?: number;
}

/** First 8 characters of an ID, as the Nomad CLI shows them. */
export function short(id: string | undefined | null): string {
  return String(id ?? '').slice(0, 8);
}

/** Nomad time (int64 nanoseconds, or RFC 3339 text) as a Date; zero times are undefined. */
export const toDate = nomadDate;

/** ISO time without milliseconds, or "-" for a zero/absent time. */
export function iso(v: unknown): string {
  return nomadTime(v) ?? '-';
}

/** ISO time with its age, for text a model reads: `2026-11-29T19:02:11Z (14m ago)`, or "-". */
export function when(v: unknown, now = Date.now()): string {
  return timeWithAge(v, now) ?? '-';
}

/** ISO time or null, for structured answers. */
export function isoOrNull(v: unknown): string | null {
  const s = iso(v);
  return s === '-' ? null : s;
}

/** Coarse age like the Nomad CLI's: 45s, 12m, 3h5m, 2d4h. */
export function age(v: unknown, now = Date.now()): string {
  const d = toDate(v);
  if (!d) return '-';
  let s = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  const days = Math.floor(h / 24);
  s = h % 24;
  return `${days}d${s ? `${s}h` : ''}`;
}

/** Newest first by CreateIndex, then CreateTime. */
export function newestFirst<T extends { CreateIndex?: number; CreateTime?: number }>(list: T[]): T[] {
  return [...list].sort((a, b) => (b.CreateIndex ?? 0) - (a.CreateIndex ?? 0) || (b.CreateTime ?? 0) - (a.CreateTime ?? 0));
}

/** Plural helper: `plural(3, 'node')` → "3 nodes". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * GET /v1/job/:id, turning Nomad's 404 into a sentence that still contains Nomad's `job not found`.
 * Many job sub-endpoints answer `[]` for an unknown job, so plugins call this to tell "no such job"
 * apart from "no allocations".
 */
export async function getJob(ctx: ToolContext, jobId: string): Promise<Job> {
  try {
    const res = await ctx.nomad.get<Job>(nomadPath`/v1/job/${jobId}`, { signal: ctx.signal });
    return res.data;
  } catch (err) {
    throw jobNotFound(err, jobId, ctx.namespace);
  }
}

/** Rewrites a 404 from a job endpoint into a clear caller error; other errors pass through. */
export function jobNotFound(err: unknown, jobId: string, namespace: string): unknown {
  if (err instanceof ToolError && err.status === 404) {
    return new ToolError(
      `No job "${jobId}" in namespace "${namespace}" (Nomad 404: job not found). list_jobs shows the existing jobs.`,
      'caller',
      404,
    );
  }
  return err;
}

/** Tasks of a group in spec order, main tasks before lifecycle (prestart/poststart/poststop) tasks. */
export function groupTasks(job: Job | undefined, group: string | undefined): string[] {
  const tg = job?.TaskGroups?.find((g) => g.Name === group);
  const tasks = tg?.Tasks ?? [];
  const main = tasks.filter((t) => !t.Lifecycle?.Hook);
  const hooks = tasks.filter((t) => t.Lifecycle?.Hook);
  return [...main, ...hooks].map((t) => t.Name);
}

/** A value worth keeping in an answer: not undefined, null or empty text. */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}
