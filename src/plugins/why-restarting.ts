/**
 * why_restarting: the restarts of a job's or an allocation's tasks from their task events (each
 * crash with its exit code, signal, OOM kill and the restart delay or the reason it stopped
 * restarting), and the last log lines written before each crash (stderr, else stdout), redacted
 * and marked as untrusted workload output.
 */
import { definePlugin, ToolError, truncateText, type ToolContext } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { getAllocation } from './lib/alloc.js';
import { mapLimited } from './lib/fanout.js';
import { redactionNote, readLogTail, wrapUntrusted } from './lib/log-tail.js';
import { type AllocStub, iso, jobNotFound, short } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  job_id?: string;
  alloc_id?: string;
  namespace?: string;
  log_lines?: number;
}

interface Event {
  Type?: string;
  Time?: number;
  DisplayMessage?: string;
  Details?: Record<string, string> | null;
}

export interface Crash {
  time: string | null;
  exit_code: number | null;
  signal: number | null;
  oom_killed: boolean;
  message: string;
  then: string;
  log_before: string[];
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };
/** Allocations of a job examined at most. */
const MAX_ALLOCS = 3;
const LINES_BEFORE = 3;

/** The crashes of one task, oldest first, with what the client did after each. */
export function crashes(events: Event[]): Crash[] {
  const out: Crash[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.Type !== 'Terminated' && e.Type !== 'Driver Failure' && e.Type !== 'Failed Validation') continue;
    const d = e.Details ?? {};
    const after = events.slice(i + 1).find((x) => x.Type === 'Restarting' || x.Type === 'Not Restarting' || x.Type === 'Killing');
    const code = d.exit_code !== undefined ? Number(d.exit_code) : null;
    const sig = d.signal !== undefined ? Number(d.signal) : null;
    out.push({
      time: e.Time ? iso(e.Time) : null,
      exit_code: Number.isFinite(code) ? code : null,
      signal: sig && Number.isFinite(sig) ? sig : null,
      oom_killed: d.oom_killed === 'true' || /OOM Killed/.test(e.DisplayMessage ?? ''),
      message: e.DisplayMessage ?? e.Type ?? '',
      then: after ? `${after.Type}: ${after.DisplayMessage ?? ''}` : 'no restart event after it',
      log_before: [],
    });
  }
  return out;
}

const TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))\s/;

/** Puts log lines that start with an RFC 3339 time before the crash they precede. */
export function attachLines(list: Crash[], lines: string[]): boolean {
  const stamped = lines.map((l) => ({ l, t: Date.parse(TS.exec(l)?.[1] ?? '') })).filter((x) => Number.isFinite(x.t));
  if (stamped.length === 0) return false;
  let prev = -Infinity;
  for (const c of list) {
    const t = c.time ? Date.parse(c.time) + 1000 : Infinity;
    c.log_before = stamped.filter((x) => x.t > prev && x.t <= t).slice(-LINES_BEFORE).map((x) => x.l);
    prev = t;
  }
  return true;
}

function describe(c: Crash): string {
  const parts = [c.exit_code !== null ? `exit code ${c.exit_code}` : c.message];
  if (c.signal) parts.push(`signal ${c.signal}${SIGNALS[c.signal] ? ` (${SIGNALS[c.signal]})` : ''}`);
  if (c.oom_killed) parts.push('OOM killed');
  return parts.join(', ');
}

function hint(all: Crash[]): string {
  if (all.some((c) => c.oom_killed) || all.some((c) => c.exit_code === 137)) return 'The task runs out of memory: analyze_job_resources shows usage against the reservation.';
  if (all.some((c) => c.exit_code === 127 || c.exit_code === 126)) return 'Exit code 126/127: the command is missing or not executable in the image.';
  if (all.some((c) => c.exit_code === 1 || c.exit_code === 2)) return 'The application exits with an error at start: read the log lines above, and compare_job_versions if it began with a new version.';
  return 'get_allocation_status shows every task event.';
}

async function logLines(ctx: ToolContext, a: AllocStub, task: string, n: number): Promise<{ lines: string[]; type: string; redactions: number } | string> {
  for (const type of ['stderr', 'stdout'] as const) {
    try {
      const tail = await readLogTail(ctx, { allocId: a.ID, task, type, lines: n });
      if (tail.lines > 0) return { lines: tail.text.split('\n').filter((l) => l !== ''), type, redactions: tail.redactions };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      return err instanceof ToolError ? `logs not readable: ${err.message.split('\n')[0]}` : 'logs not readable';
    }
  }
  return 'the task wrote no log lines';
}

export default definePlugin<Args>({
  name: 'why-restarting',
  tier: 'read',
  async call(args, ctx) {
    if (!!args.job_id === !!args.alloc_id) throw new ToolError('Give either job_id or alloc_id (one of them).', 'caller');
    let allocs: AllocStub[];
    if (args.alloc_id) allocs = [await getAllocation(ctx, args.alloc_id)];
    else {
      const jobId = args.job_id!;
      try {
        await ctx.nomad.get(nomadPath`/v1/job/${jobId}/summary`, { signal: ctx.signal });
      } catch (err) {
        throw jobNotFound(err, jobId, ctx.namespace);
      }
      const list = (await ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${jobId}/allocations`, { signal: ctx.signal })).data ?? [];
      const score = (a: AllocStub) => Object.values(a.TaskStates ?? {}).reduce((s, t) => s + (t.Restarts ?? 0) + (t.Failed ? 1 : 0), 0);
      allocs = list.filter((a) => score(a) > 0).sort((x, y) => score(y) - score(x) || (y.CreateIndex ?? 0) - (x.CreateIndex ?? 0)).slice(0, MAX_ALLOCS);
      if (allocs.length === 0) {
        return {
          text: `No allocation of job ${jobId} has restarted or failed (${list.length} allocations checked).`,
          structured: { job_id: jobId, allocations: [], restarting: false },
        };
      }
    }
    const n = Math.min(Math.max(args.log_lines ?? 40, 5), 200);
    const out: Record<string, unknown>[] = [];
    const lines: string[] = [];
    const every: Crash[] = [];
    const perAlloc = await mapLimited(allocs, 2, async (a) => {
      const tasks = Object.entries(a.TaskStates ?? {}).filter(([, ts]) => (ts.Restarts ?? 0) > 0 || ts.Failed || (ts.Events ?? []).some((e) => e.Type === 'Terminated'));
      return {
        a,
        tasks: await mapLimited(tasks, 2, async ([task, ts]) => {
          const list = crashes((ts.Events ?? []) as Event[]);
          const logs = list.length ? await logLines(ctx, a, task, n) : 'no crash recorded';
          return { task, ts, list, logs };
        }),
      };
    });
    for (const { a, tasks } of perAlloc) {
      lines.push(`Allocation ${short(a.ID)} (${a.JobID}/${a.TaskGroup}, version ${a.JobVersion ?? (a as { Job?: { Version?: number } }).Job?.Version ?? '?'}, on ${a.NodeName ?? short(a.NodeID)}): ${a.ClientStatus}.`);
      if (tasks.length === 0) lines.push('  No task has restarted or failed.');
      const taskOut: Record<string, unknown>[] = [];
      for (const { task, ts, list, logs } of tasks) {
        every.push(...list);
        lines.push(`  Task ${task}: ${ts.State ?? '?'}, ${ts.Restarts ?? 0} restarts${ts.Failed ? ', failed' : ''}; events keep the last ${list.length} crash${list.length === 1 ? '' : 'es'}:`);
        let matched = false;
        const notes: string[] = [];
        if (typeof logs !== 'string') {
          matched = attachLines(list, logs.lines);
          if (logs.redactions) notes.push(redactionNote(logs.redactions));
        }
        for (const c of list) {
          lines.push(`    ${c.time ?? '?'} ${describe(c)} → ${c.then}`);
          if (matched && c.log_before.length) lines.push(wrapUntrusted(`last ${c.log_before.length} ${typeof logs !== 'string' ? logs.type : ''} lines before it`, c.log_before.map((l) => `      ${l}`).join('\n')));
        }
        if (typeof logs === 'string') lines.push(`    (${logs})`);
        else if (!matched) {
          const tail = logs.lines.slice(-10);
          lines.push(wrapUntrusted(`last ${tail.length} ${logs.type} lines of task ${task} (lines carry no timestamps to place them before each restart)`, tail.join('\n'), notes));
        }
        taskOut.push({ task, state: ts.State ?? null, restarts: ts.Restarts ?? 0, failed: ts.Failed ?? false, crashes: list as unknown as Record<string, unknown>[], log_type: typeof logs === 'string' ? null : logs.type, log_note: typeof logs === 'string' ? logs : null });
      }
      out.push({ alloc_id: a.ID, job_id: a.JobID ?? null, group: a.TaskGroup ?? null, node: a.NodeName ?? null, client_status: a.ClientStatus ?? null, tasks: taskOut });
    }
    if (every.length) lines.push(hint(every));
    const text = truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'pass alloc_id or a smaller log_lines');
    return { text: text.text, structured: { job_id: args.job_id ?? allocs[0]?.JobID ?? null, allocations: out, restarting: every.length > 0 } };
  },
});
