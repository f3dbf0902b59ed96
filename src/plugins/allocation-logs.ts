/** get_allocation_logs: the last lines of one allocation's task log, read from the end. */
import { definePlugin } from '../host/plugin.js';
import { resolveAlloc } from './lib/alloc.js';
import { formatLogAnswer, readLogTail, withTaskHint } from './lib/log-tail.js';

interface Args {
  [key: string]: unknown;
  alloc_id: string;
  task: string;
  type: 'stdout' | 'stderr';
  lines: number;
}

export default definePlugin<Args>({
  name: 'allocation-logs',
  tier: 'read',
  async call(args, ctx) {
    const alloc = await resolveAlloc(ctx, args.alloc_id);
    const type = args.type ?? 'stdout';
    const lines = args.lines ?? 100;
    const tail = await readLogTail(ctx, { allocId: alloc.ID, task: args.task, type, lines }).catch((err: unknown) => {
      throw withTaskHint(err, Object.keys(alloc.TaskStates ?? {}));
    });
    const info = { jobId: alloc.JobID, allocId: alloc.ID, task: args.task, type, requested: lines };
    return {
      text: formatLogAnswer(info, tail),
      structured: {
        job_id: alloc.JobID ?? null,
        alloc_id: alloc.ID,
        task: args.task,
        type,
        lines: tail.lines,
        whole_log: tail.reachedStart,
        truncated: tail.truncated,
        redactions: tail.redactions,
      },
    };
  },
});
