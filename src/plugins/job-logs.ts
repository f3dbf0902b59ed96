/**
 * get_job_logs: the last lines of a job's task log. Picks the given allocation (ID or prefix), else the
 * newest running one, else the newest; and the given task, else the group's first main task.
 */
import { definePlugin } from '../host/plugin.js';
import { chooseLogTarget } from './lib/log-target.js';
import { formatLogAnswer, readLogTail, withTaskHint } from './lib/log-tail.js';

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
  tier: 'read',
  async call(args, ctx) {
    const type = args.type ?? 'stdout';
    const lines = args.lines ?? 100;
    const { job, alloc, task, knownTasks, chosenNote } = await chooseLogTarget(ctx, args);
    const tail = await readLogTail(ctx, { allocId: alloc.ID, task, type, lines }).catch((err: unknown) => {
      throw withTaskHint(err, knownTasks);
    });
    const info = { jobId: job.ID, allocId: alloc.ID, task, type, requested: lines };
    return {
      text: formatLogAnswer(info, tail) + chosenNote,
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
