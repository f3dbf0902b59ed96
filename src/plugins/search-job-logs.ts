/**
 * search_job_logs: search the recent log tail of every allocation of a job (running ones first, at
 * most 10) for a case-insensitive regular expression; answers the matching lines with allocation,
 * task and stream, redacted and marked as untrusted.
 */
import { compileSafePattern, definePlugin, PatternError, ToolError, truncateText, type SafePattern, type ToolContext } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { readLogTail, redactionNote, wrapUntrusted } from './lib/log-tail.js';
import { type AllocStub, getJob, groupTasks, newestFirst, plural, short } from './lib/nomad.js';
import { nomadMessage } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  pattern: string;
  lines: number;
  type: 'stdout' | 'stderr' | 'both';
  max_matches: number;
}

export const MAX_PATTERN = 500;
/** Allocations searched at most. */
export const MAX_ALLOCS = 10;
/** Logs read at once. */
const CONCURRENCY = 4;
/** A matching line is shown up to this many characters. */
const MAX_MATCH_CHARS = 500;
/** Only this much of a line is tested (a bound on the cost of one regular expression run). */
const MAX_TESTED_CHARS = 8192;

/**
 * The case-insensitive regular expression of a pattern, on the linear-time engine (a caller's
 * pattern must not be able to stall the server), or a caller error that says what is wrong.
 */
export function compilePattern(pattern: string): SafePattern {
  if (pattern.length > MAX_PATTERN) {
    throw new ToolError(`The pattern is ${pattern.length} characters long; at most ${MAX_PATTERN} are allowed.`, 'caller');
  }
  try {
    return compileSafePattern(pattern, { ignoreCase: true });
  } catch (err) {
    if (err instanceof PatternError) throw new ToolError(err.message, 'caller');
    throw err;
  }
}

/** Running allocations first, then the rest; newest first within each. */
export function searchOrder(allocs: AllocStub[]): AllocStub[] {
  const sorted = newestFirst(allocs);
  return [...sorted.filter((a) => a.ClientStatus === 'running'), ...sorted.filter((a) => a.ClientStatus !== 'running')];
}

interface LogRef {
  alloc: AllocStub;
  task: string;
  type: 'stdout' | 'stderr';
}

interface LogResult extends LogRef {
  matches: string[];
  lines: number;
  redactions: number;
  error?: string;
  skipped?: boolean;
}

function label(r: LogRef): string {
  return `${short(r.alloc.ID)} ${r.task} ${r.type}`;
}

/** The tasks of an allocation that have run: the spec's order first, then any other that has a state. */
function tasksOf(alloc: AllocStub, specOrder: string[]): string[] {
  const states = Object.keys(alloc.TaskStates ?? {});
  return [...specOrder.filter((t) => states.includes(t)), ...states.filter((t) => !specOrder.includes(t))];
}

async function searchLog(ctx: ToolContext, ref: LogRef, re: SafePattern, lines: number): Promise<LogResult> {
  try {
    const tail = await readLogTail(ctx, { allocId: ref.alloc.ID, task: ref.task, type: ref.type, lines });
    const text = tail.text.startsWith('… [truncated:') ? tail.text.slice(tail.text.indexOf('\n') + 1) : tail.text;
    const matches: string[] = [];
    if (tail.lines > 0) {
      for (const line of text.split('\n')) {
        if (re.test(line.length > MAX_TESTED_CHARS ? line.slice(0, MAX_TESTED_CHARS) : line)) {
          matches.push(line.length > MAX_MATCH_CHARS ? `${line.slice(0, MAX_MATCH_CHARS)}…` : line);
        }
      }
    }
    return { ...ref, matches, lines: tail.lines, redactions: tail.redactions };
  } catch (err) {
    // A task that has not started, or a log Nomad refuses (read-logs is checked per allocation; client
    // endpoints answer 500 `Permission denied`, client/fs_endpoint.go ~391): note why and search the others.
    if (ctx.signal.aborted || !(err instanceof ToolError) || err.status === undefined) throw err;
    return { ...ref, matches: [], lines: 0, redactions: 0, error: err.reason && err.status !== 404 && err.status !== 400 ? err.reason : nomadMessage(err) };
  }
}

export default definePlugin<Args>({
  name: 'search-job-logs',
  tier: 'read',
  async call(args, ctx) {
    const re = compilePattern(args.pattern);
    const [job, allocs] = await Promise.all([
      getJob(ctx, args.job_id),
      ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${args.job_id}/allocations`, { signal: ctx.signal }).then((r) => r.data ?? []),
    ]);
    if (allocs.length === 0) {
      throw new ToolError(`Job "${job.ID}" has no allocations, so there are no logs to search. get_job_status shows why nothing was placed.`, 'caller');
    }
    const chosen = searchOrder(allocs).slice(0, MAX_ALLOCS);
    const types: ('stdout' | 'stderr')[] = args.type === 'both' ? ['stdout', 'stderr'] : [args.type];
    const refs: LogRef[] = [];
    let notStarted = 0;
    for (const alloc of chosen) {
      const tasks = tasksOf(alloc, groupTasks(job, alloc.TaskGroup));
      if (tasks.length === 0) notStarted++;
      for (const task of tasks) for (const type of types) refs.push({ alloc, task, type });
    }

    const results: LogResult[] = new Array(refs.length);
    let next = 0;
    let found = 0;
    let done = 0;
    const worker = async () => {
      while (next < refs.length) {
        const i = next++;
        if (found >= args.max_matches) {
          results[i] = { ...refs[i], matches: [], lines: 0, redactions: 0, skipped: true };
          continue;
        }
        const r = await searchLog(ctx, refs[i], re, args.lines);
        results[i] = r;
        found += r.matches.length;
        done++;
        await ctx.progress(done, refs.length, `${label(r)}: ${r.error ? 'unreadable' : `${r.matches.length} ${r.matches.length === 1 ? 'match' : 'matches'}`}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, refs.length) }, worker));

    const searched = results.filter((r) => !r.skipped && !r.error);
    const failed = results.filter((r) => r.error);
    if (refs.length > 0 && searched.length === 0 && failed.length > 0) {
      throw new ToolError(`No log of job "${job.ID}" could be read: ${failed[0].error}`, 'caller');
    }
    const skipped = results.filter((r) => r.skipped).length;
    const linesSearched = searched.reduce((n, r) => n + r.lines, 0);
    let redactions = 0;
    const allocNote = `${chosen.length} of ${allocs.length} ${allocs.length === 1 ? 'allocation' : 'allocations'}${allocs.length > chosen.length ? ', running and newest first' : ''}`;

    // Matches in log order, cut at max_matches.
    const shown: { ref: LogResult; line: string }[] = [];
    const perLog: { label: string; count: number }[] = [];
    for (const r of results) {
      if (!r.matches.length || shown.length >= args.max_matches) continue;
      const take = r.matches.slice(0, args.max_matches - shown.length);
      perLog.push({ label: label(r), count: take.length });
      for (const line of take) {
        shown.push({ ref: r, line });
        redactions += line.split('[REDACTED]').length - 1;
      }
    }
    const notes: string[] = [];
    if (found > shown.length || skipped) notes.push(`stopped at max_matches ${args.max_matches}${skipped ? `; ${skipped} ${skipped === 1 ? 'log was' : 'logs were'} not searched` : ''}`);
    if (redactions) notes.push(redactionNote(redactions));
    if (failed.length) notes.push(`${failed.length} ${failed.length === 1 ? 'log' : 'logs'} could not be read: ${failed.slice(0, 3).map((f) => `${label(f)}: ${f.error}`).join('; ')}`);
    if (notStarted) notes.push(`${notStarted} ${notStarted === 1 ? 'allocation has' : 'allocations have'} no started task`);

    const structured = {
      job_id: job.ID,
      pattern: args.pattern,
      matches: shown.length,
      logs_searched: searched.length,
      lines_searched: linesSearched,
      allocations: chosen.map((a) => a.ID),
      per_log: Object.fromEntries(perLog.map((p) => [p.label, p.count])),
      unreadable: failed.map((f) => ({ log: label(f), error: f.error ?? '' })),
      complete: skipped === 0 && found <= shown.length,
    };
    const where = `the last ${args.lines} lines of ${searched.length} ${searched.length === 1 ? 'log' : 'logs'} (${plural(linesSearched, 'line')} searched; ${allocNote})`;
    if (shown.length === 0) {
      const extra = notes.length ? `\n(${notes.join('; ')})` : '';
      return { text: `No line of job ${job.ID} matches /${args.pattern}/i in ${where}.${extra}`, structured };
    }
    const head = `${shown.length} ${shown.length === 1 ? 'line' : 'lines'} of job ${job.ID} ${shown.length === 1 ? 'matches' : 'match'} /${args.pattern}/i in ${where}; per log: ${perLog.map((p) => `${p.label} ${p.count}`).join(', ')}.`;
    // Cap the lines, not the whole answer, so the end marker and notes always stay.
    const room = Math.max(2048, ctx.config.maxResultBytes - Buffer.byteLength(head) - 1024);
    const body = truncateText(shown.map((m) => `${label(m.ref)}: ${m.line}`).join('\n'), room, 'narrow the pattern or lower max_matches').text;
    return { text: `${head}\n${wrapUntrusted(`matching log lines of job ${job.ID}`, body, notes)}`, structured };
  },
});
