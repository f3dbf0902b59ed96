/**
 * monitor_agent: follow Nomad's own log (GET /v1/agent/monitor, like `nomad monitor`) for some seconds,
 * sending each batch of new lines as progress, and answer what arrived, redacted and capped.
 *
 * The stream is framed like a log (command/agent/agent_endpoint.go AgentMonitor ~153; frames built in
 * nomad/client_agent_endpoint.go monitor ~209–281 with the stream framer): concatenated JSON objects
 * `{"Data":"<base64>","FileEvent":"log"}` and heartbeats `{}` every second. Nomad sends only lines logged
 * after the stream opens, at the level asked for and above; `agent:read` is needed (~154).
 */
import { definePlugin, ToolError } from '../host/plugin.js';
import { FrameDecoder, FrameDecoderError, FrameText } from './lib/log-frames.js';
import { hasNonBlank, redactionNote, trimLineEnds, wrapUntrusted } from './lib/log-tail.js';
import { redact } from './lib/redact.js';
import { readStreamFor } from './lib/timed-stream.js';
import { progressText } from './follow-job-logs.js';

interface Args {
  [key: string]: unknown;
  seconds: number;
  log_level?: string;
  node_id?: string;
}

export default definePlugin<Args>({
  name: 'monitor-agent',
  tier: 'read',
  maxDurationMs: (args) => ((args.seconds ?? 10) + 15) * 1000,
  async call(args, ctx) {
    const seconds = args.seconds ?? 10;
    const level = (args.log_level ?? 'info').toUpperCase();
    const max = ctx.config.maxLogBytes;
    const frames = new FrameDecoder();
    const text = new FrameText();
    const kept: string[] = [];
    let keptBytes = 0;
    let dropped = 0;
    let total = 0;
    let redactions = 0;
    let pending = '';

    const take = async (complete: string, final: boolean) => {
      const red = redact(trimLineEnds(complete));
      redactions += red.count;
      const lines = red.text.split('\n');
      total += lines.length;
      for (const l of lines) {
        kept.push(l);
        keptBytes += Buffer.byteLength(l) + 1;
      }
      // the newest lines are kept: the oldest are dropped past the cap
      while (keptBytes > max && kept.length > 1) {
        keptBytes -= Buffer.byteLength(kept.shift()!) + 1;
        dropped++;
      }
      if (!final) await ctx.progress(total, undefined, progressText(lines));
    };

    let end;
    try {
      end = await readStreamFor(
        ctx,
        '/v1/agent/monitor',
        { query: { log_level: level, node_id: args.node_id, plain: false }, ms: seconds * 1000 },
        async (chunk) => {
          for (const f of frames.push(chunk)) pending += text.write(f);
          const nl = pending.lastIndexOf('\n');
          if (nl >= 0) {
            const complete = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            await take(complete, false);
          }
          if (pending.length > max) {
            const piece = pending;
            pending = '';
            await take(piece, false);
          }
        },
      );
    } catch (err) {
      if (err instanceof FrameDecoderError) throw new ToolError(`Nomad's monitor stream could not be decoded: ${err.message}.`, 'upstream');
      throw err;
    }
    pending += text.end();
    if (hasNonBlank(pending)) await take(pending, true);

    const agent = args.node_id ? `the client agent of node ${args.node_id}` : 'the Nomad agent this server talks to';
    const structured = {
      node_id: args.node_id ?? null,
      log_level: level,
      seconds,
      lines: total,
      lines_shown: kept.length,
      truncated: dropped > 0,
      redactions,
      ended_by: end === 'time' ? 'time' : 'server',
    };
    const notes: string[] = [];
    if (redactions) notes.push(redactionNote(redactions));
    if (end === 'eof') notes.push('Nomad ended the stream before the time was up');
    if (total === 0) {
      return { text: `No log lines at level ${level} or above from ${agent} during ${seconds} s.${notes.length ? ` (${notes.join('; ')})` : ''}`, structured };
    }
    let body = kept.join('\n');
    if (dropped) body = `… [truncated: showing the last ${kept.length} of ${total} lines (${max}-byte limit); ask for fewer seconds or a higher log_level]\n${body}`;
    const what = `${total} ${total === 1 ? 'line' : 'lines'} at level ${level} or above in ${seconds} s`;
    return { text: wrapUntrusted(`log of ${agent}: ${what}`, body, notes), structured };
  },
});
