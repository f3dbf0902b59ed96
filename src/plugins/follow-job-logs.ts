/**
 * follow_job_logs: follow a job's task log live for some seconds (GET /v1/client/fs/logs/:alloc with
 * follow=true from the end, framed), sending each batch of new complete lines as progress, and answer
 * everything that arrived, redacted, capped and marked as untrusted.
 */
import { definePlugin, ToolError } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { FrameDecoder, FrameDecoderError, FrameText } from './lib/log-frames.js';
import { chooseLogTarget } from './lib/log-target.js';
import { hasNonBlank, logWhere, redactionNote, trimLineEnds, withTaskHint, wrapUntrusted } from './lib/log-tail.js';
import { redact } from './lib/redact.js';
import { readStreamFor } from './lib/timed-stream.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  seconds: number;
  alloc_id?: string;
  task?: string;
  type: 'stdout' | 'stderr';
}

/** Bytes of new lines one progress notification carries at most. */
export const PROGRESS_BYTES = 2048;

/** The last lines of a batch that fit in `max` bytes, after a count of the ones left out. */
export function progressText(lines: string[], max = PROGRESS_BYTES): string {
  const out: string[] = [];
  let size = 0;
  let i = lines.length - 1;
  for (; i >= 0; i--) {
    const n = Buffer.byteLength(lines[i]) + 1;
    if (size + n > max) break;
    out.unshift(lines[i]);
    size += n;
  }
  if (out.length === 0 && i >= 0) {
    // One line longer than the budget: its beginning.
    out.push(`${Buffer.from(lines[i]).subarray(0, max).toString('utf8').replace(/\uFFFD$/, '')}…`);
    i--;
  }
  const skipped = i + 1;
  if (skipped > 0) out.unshift(`… (${skipped} earlier ${skipped === 1 ? 'line' : 'lines'} of this batch)`);
  return out.join('\n');
}

/** Lines kept for the answer within a byte budget, oldest dropped first. */
class LineWindow {
  lines: string[] = [];
  private bytes = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  push(lines: string[]): void {
    for (const l of lines) {
      this.lines.push(l);
      this.bytes += Buffer.byteLength(l) + 1;
    }
    while (this.bytes > this.max && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
      this.dropped++;
    }
  }
}

export default definePlugin<Args>({
  name: 'follow-job-logs',
  tier: 'read',
  maxDurationMs: (args) => (args.seconds + 15) * 1000,
  async call(args, ctx) {
    const type = args.type ?? 'stdout';
    const { job, alloc, task, knownTasks, chosenNote } = await chooseLogTarget(ctx, args);
    const where = logWhere({ task, type, allocId: alloc.ID, jobId: job.ID });

    const frames = new FrameDecoder();
    const text = new FrameText();
    const window = new LineWindow(ctx.config.maxLogBytes);
    const fileEvents: string[] = [];
    let pending = '';
    let total = 0;
    let redactions = 0;

    const take = async (complete: string, final: boolean) => {
      // CRs and trailing blanks cost tokens and carry nothing (as in the tail reader).
      const cleaned = trimLineEnds(complete);
      const red = redact(cleaned);
      redactions += red.count;
      const lines = red.text.split('\n');
      total += lines.length;
      window.push(lines);
      if (!final) await ctx.progress(total, undefined, progressText(lines));
    };

    let end;
    try {
      end = await readStreamFor(
        ctx,
        nomadPath`/v1/client/fs/logs/${alloc.ID}`,
        { query: { task, type, follow: true, origin: 'end', offset: 0 }, ms: args.seconds * 1000 },
        async (chunk) => {
          for (const f of frames.push(chunk)) {
            if (f.fileEvent) fileEvents.push(`${f.fileEvent}${f.file ? ` (${f.file})` : ''}`);
            pending += text.write(f);
          }
          const nl = pending.lastIndexOf('\n');
          if (nl >= 0) {
            const complete = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            await take(complete, false);
          }
          // A line that never ends must not grow without bound: pass it on in pieces.
          if (pending.length > ctx.config.maxLogBytes) {
            const piece = pending;
            pending = '';
            await take(piece, false);
          }
        },
      );
    } catch (err) {
      if (err instanceof FrameDecoderError) {
        throw new ToolError(`Nomad's log stream could not be decoded: ${err.message}.`, 'upstream');
      }
      throw withTaskHint(err, knownTasks);
    }
    pending += text.end();
    if (hasNonBlank(pending)) await take(pending, true);

    const notes: string[] = [];
    if (redactions) notes.push(redactionNote(redactions));
    if (fileEvents.length) notes.push(`log file events: ${[...new Set(fileEvents)].join(', ')} (the log was rotated or truncated while following)`);
    if (end === 'eof') notes.push('Nomad ended the log stream before the time was up (the allocation may have stopped)');
    const structured = {
      job_id: job.ID,
      alloc_id: alloc.ID,
      alloc_status: alloc.ClientStatus ?? null,
      task,
      type,
      seconds: args.seconds,
      lines: total,
      lines_shown: window.lines.length,
      truncated: window.dropped > 0,
      redactions,
      file_events: fileEvents,
      ended_by: end === 'time' ? 'time' : 'server',
    };
    if (total === 0) {
      return {
        text: `No new lines in the log of ${where} during ${args.seconds} s.${notes.length ? ` (${notes.join('; ')})` : ''}${chosenNote}`,
        structured,
      };
    }
    let body = window.lines.join('\n');
    if (window.dropped) {
      body = `… [truncated: showing the last ${window.lines.length} of ${total} lines that arrived (${ctx.config.maxLogBytes}-byte limit); get_job_logs reads any part later]\n${body}`;
    }
    const what = `${total} new ${total === 1 ? 'line' : 'lines'} in ${args.seconds} s (followed live)`;
    return { text: wrapUntrusted(`log of ${where}: ${what}`, body, notes) + chosenNote, structured };
  },
});
