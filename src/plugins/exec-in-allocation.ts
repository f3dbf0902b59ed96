/**
 * exec_in_allocation: run one non-interactive command in a task of an allocation (`nomad alloc exec`
 * without a terminal) and answer its exit code and output, byte-capped, redacted and marked as untrusted.
 * Served only with --allow-exec; destructive tier, so a client that can ask its user confirms each call.
 */
import { definePlugin, ToolError } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { resolveAlloc } from './lib/alloc.js';
import { type Capture, runExec } from './lib/exec-session.js';
import { redactionNote, wrapUntrusted } from './lib/log-tail.js';
import { short } from './lib/nomad.js';
import { redact } from './lib/redact.js';

interface Args {
  [key: string]: unknown;
  alloc_id: string;
  task: string;
  command: string[];
  timeout_s?: number;
}

/** Bytes kept of each of stdout and stderr (within the configured log cap). */
export const EXEC_OUTPUT_BYTES = 16 * 1024;
const DEFAULT_TIMEOUT_S = 30;

interface Shown {
  text: string;
  redactions: number;
}

/** One stream's output, redacted, with a truncation marker at the end. */
function shown(c: Capture): Shown {
  const red = redact(c.text());
  const marker = c.truncated ? `\n… [truncated: showing the first ${c.kept} of ${c.total} bytes (the limit); narrow the command, e.g. with head or grep]` : '';
  return { text: red.text + marker, redactions: red.count };
}

export default definePlugin<Args>({
  name: 'exec-in-allocation',
  tier: 'destructive',
  exec: true,
  maxDurationMs: (args) => ((args.timeout_s ?? DEFAULT_TIMEOUT_S) + 15) * 1000,
  async call(args, ctx) {
    if (!ctx.config.allowExec) {
      // the inventory hides the tool without the switch; a registry built another way must not run it either
      throw new ToolError('exec_in_allocation runs commands inside allocations; start the server with --allow-exec to use it.', 'caller');
    }
    const alloc = await resolveAlloc(ctx, args.alloc_id);
    const tasks = Object.keys(alloc.TaskStates ?? {});
    const timeoutS = args.timeout_s ?? DEFAULT_TIMEOUT_S;
    const where = `task ${args.task} of alloc ${short(alloc.ID)}${alloc.JobID ? ` (job ${alloc.JobID})` : ''}`;
    const argv = JSON.stringify(args.command);
    let out;
    try {
      out = await runExec(ctx, {
        path: nomadPath`/v1/client/allocation/${alloc.ID}/exec`,
        task: args.task,
        command: args.command,
        timeoutMs: timeoutS * 1000,
        maxBytes: Math.min(EXEC_OUTPUT_BYTES, ctx.config.maxLogBytes),
      });
    } catch (err) {
      if (!(err instanceof ToolError)) throw err;
      if (/unknown task name/.test(err.message) && tasks.length) {
        throw new ToolError(`${err.message} Tasks of this allocation: ${tasks.join(', ')}.`, err.category);
      }
      if (/Permission denied/.test(err.message)) {
        // client/alloc_endpoint.go execImpl ~330: a task without filesystem isolation (raw_exec) also needs alloc-node-exec
        throw new ToolError(`${err.message} (A raw_exec task also needs alloc-node-exec.)`, err.category, err.status, err.reason);
      }
      throw err;
    }
    const o = shown(out.stdout);
    const e = shown(out.stderr);
    const redactions = o.redactions + e.redactions;
    const parts: string[] = [];
    const head =
      out.ended === 'exited'
        ? `Ran ${argv} in ${where}: exit code ${out.exitCode}.`
        : `${argv} in ${where} did not exit within ${timeoutS} s; the connection was closed (the command may still be running in the task).`;
    parts.push(head);
    if (out.stdout.total) parts.push(wrapUntrusted(`stdout of ${argv}`, o.text, [], 'stdout'));
    if (out.stderr.total) parts.push(wrapUntrusted(`stderr of ${argv}`, e.text, [], 'stderr'));
    if (!out.stdout.total && !out.stderr.total) parts.push('(no output)');
    if (redactions) parts.push(`(${redactionNote(redactions)})`);
    return {
      text: parts.join('\n'),
      isError: out.ended !== 'exited',
      structured: {
        alloc_id: alloc.ID,
        job_id: alloc.JobID ?? null,
        task: args.task,
        command: args.command,
        exit_code: out.exitCode ?? null,
        timed_out: out.ended === 'timeout',
        stdout: o.text,
        stderr: e.text,
        stdout_bytes: out.stdout.total,
        stderr_bytes: out.stderr.total,
        truncated: out.stdout.truncated || out.stderr.truncated,
        redactions,
      },
    };
  },
});
