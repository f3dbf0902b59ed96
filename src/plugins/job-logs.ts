/**
 * get_job_logs: the last lines of a job's task log. Picks the given allocation (ID or prefix), else the
 * newest running one, else the newest; and the given task, else the group's first main task.
 */
import { definePlugin, ToolError } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { pickAllocation, resolveAlloc } from './lib/alloc.js';
import { formatLogAnswer, readLogTail, withTaskHint } from './lib/log-tail.js';
import { type AllocStub, getJob, groupTasks, short } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  alloc_id?: string;
  task?: string;
  type: 'stdout' | 'stderr';
  lines: number;
}

export default definePlugin<Args>({
  name: 'job-logs',
  async call(args, ctx) {
    const type = args.type ?? 'stdout';
    const lines = args.lines ?? 100;
    const settled = await Promise.allSettled([
      getJob(ctx, args.job_id),
      args.alloc_id
        ? undefined
        : ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${args.job_id}/allocations`, { signal: ctx.signal }).then((r) => r.data ?? []),
      args.alloc_id ? resolveAlloc(ctx, args.alloc_id) : undefined,
    ] as const);
    // Report in a fixed order: an unknown job first, then the allocation look-ups.
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const [job, allocs, given] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof getJob>>,
      AllocStub[] | undefined,
      AllocStub | undefined,
    ];

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

    let task = args.task;
    if (!task) {
      const fromSpec = groupTasks(job, alloc.TaskGroup);
      const started = Object.keys(alloc.TaskStates ?? {});
      task = fromSpec.find((t) => started.length === 0 || started.includes(t)) ?? started[0] ?? fromSpec[0];
      if (!task) {
        throw new ToolError(`Cannot tell the tasks of allocation ${short(alloc.ID)}; pass task.`, 'caller');
      }
    }

    const tail = await readLogTail(ctx, { allocId: alloc.ID, task, type, lines }).catch((err: unknown) => {
      throw withTaskHint(err, [...new Set([...groupTasks(job, alloc.TaskGroup), ...Object.keys(alloc.TaskStates ?? {})])]);
    });
    const info = { jobId: job.ID, allocId: alloc.ID, task, type, requested: lines };
    const chosen =
      args.alloc_id || (allocs?.length ?? 0) <= 1
        ? ''
        : `\n(allocation ${short(alloc.ID)} chosen: ${alloc.ClientStatus === 'running' ? 'the newest running one' : `no running allocation, the newest one (${alloc.ClientStatus})`} of ${allocs!.length}; pass alloc_id for another.)`;
    return {
      text: formatLogAnswer(info, tail) + chosen,
      structured: {
        job_id: job.ID,
        alloc_id: alloc.ID,
        alloc_status: alloc.ClientStatus ?? null,
        task,
        type,
        lines: tail.lines,
        whole_log: tail.reachedStart,
        truncated: tail.truncated,
        redactions: tail.redactions,
      },
    };
  },
});
