/**
 * Which allocation and task a job-level log call reads (get_job_logs, follow_job_logs): the given
 * allocation (ID or prefix, which must belong to the job), else the newest running one, else the
 * newest; the given task, else the group's first main task that has started.
 */
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';
import { nomadPath } from '../../host/template.js';
import { pickAllocation, resolveAlloc } from './alloc.js';
import { type AllocStub, type Job, getJob, groupTasks, short } from './nomad.js';

export interface LogTargetRequest {
  job_id: string;
  alloc_id?: string;
  task?: string;
}

export interface LogTarget {
  job: Job;
  alloc: AllocStub;
  task: string;
  /** The job's allocations when none was given (undefined when alloc_id was given). */
  allocs?: AllocStub[];
  /** The tasks of the allocation's group and those that ran (for an unknown-task hint). */
  knownTasks: string[];
  /** `\n(allocation 1a2b3c4d chosen: …)` when the choice was not obvious, else ''. */
  chosenNote: string;
}

export async function chooseLogTarget(ctx: ToolContext, req: LogTargetRequest): Promise<LogTarget> {
  const settled = await Promise.allSettled([
    getJob(ctx, req.job_id),
    req.alloc_id
      ? undefined
      : ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${req.job_id}/allocations`, { signal: ctx.signal }).then((r) => r.data ?? []),
    req.alloc_id ? resolveAlloc(ctx, req.alloc_id) : undefined,
  ] as const);
  // Report in a fixed order: an unknown job first, then the allocation look-ups.
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  const [job, allocs, given] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [Job, AllocStub[] | undefined, AllocStub | undefined];

  let alloc: AllocStub | undefined;
  if (given) {
    alloc = given;
    if (alloc.JobID && alloc.JobID !== job.ID) {
      throw new ToolError(
        `Allocation ${short(alloc.ID)} belongs to job "${alloc.JobID}", not "${job.ID}". Use get_allocation_logs for it, or leave alloc_id out.`,
        'caller',
      );
    }
  } else {
    alloc = pickAllocation(allocs ?? []);
    if (!alloc) {
      throw new ToolError(
        `Job "${job.ID}" has no allocations, so there are no logs${job.Stop ? ' (the job is stopped)' : ''}. get_job_status shows why nothing was placed.`,
        'caller',
      );
    }
  }

  let task = req.task;
  if (!task) {
    const fromSpec = groupTasks(job, alloc.TaskGroup);
    const started = Object.keys(alloc.TaskStates ?? {});
    task = fromSpec.find((t) => started.length === 0 || started.includes(t)) ?? started[0] ?? fromSpec[0];
    if (!task) {
      throw new ToolError(`Cannot tell the tasks of allocation ${short(alloc.ID)}; pass task.`, 'caller');
    }
  }

  const chosenNote =
    req.alloc_id || (allocs?.length ?? 0) <= 1
      ? ''
      : `\n(allocation ${short(alloc.ID)} chosen: ${alloc.ClientStatus === 'running' ? 'the newest running one' : `no running allocation, the newest one (${alloc.ClientStatus})`} of ${allocs!.length}; pass alloc_id for another.)`;
  const knownTasks = [...new Set([...groupTasks(job, alloc.TaskGroup), ...Object.keys(alloc.TaskStates ?? {})])];
  return { job, alloc, task, allocs, knownTasks, chosenNote };
}
