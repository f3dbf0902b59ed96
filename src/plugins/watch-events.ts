/**
 * watch_events: follow Nomad's event stream (GET /v1/event/stream, newline-delimited JSON) for a few
 * seconds and summarise each event in one line, sending the lines as progress as they arrive.
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { short } from './lib/nomad.js';
import { readStreamFor } from './lib/timed-stream.js';

interface Args {
  [key: string]: unknown;
  topics: string[];
  seconds: number;
  namespace?: string;
}

export interface StreamEvent {
  Topic?: string;
  Type?: string;
  Key?: string;
  Namespace?: string;
  Index?: number;
  Payload?: Record<string, Record<string, unknown> | undefined> | null;
}

/** Lines kept for the answer (counts cover every event); past them, progress goes out every PROGRESS_EVERY events. */
const MAX_LINES = 500;
const PROGRESS_EVERY = 100;
/** One NDJSON line larger than this is refused (a batch of events with their payloads). */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const MAX_LINE = 300;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** One line for one event: `Job web JobRegistered (index 42)`. */
export function summariseEvent(e: StreamEvent, withNamespace = false): string {
  const p = e.Payload ?? {};
  const ns = withNamespace && e.Namespace ? ` [${e.Namespace}]` : '';
  const idx = ` (index ${e.Index ?? '?'})`;
  const type = e.Type ?? '?';
  let line: string;
  switch (e.Topic) {
    case 'Job':
      line = `Job ${e.Key ?? str(p.Job?.ID) ?? '?'}${ns} ${type}`;
      break;
    case 'Allocation': {
      const a = p.Allocation ?? {};
      const desired = str(a.DesiredStatus);
      line = `Allocation ${short(str(a.ID) ?? e.Key)}${ns} ${type}: job ${str(a.JobID) ?? '?'}${str(a.TaskGroup) ? ` group ${a.TaskGroup}` : ''}, client ${str(a.ClientStatus) ?? '?'}${desired ? `, desired ${desired}` : ''}`;
      break;
    }
    case 'Evaluation': {
      const ev = p.Evaluation ?? {};
      line = `Evaluation ${short(str(ev.ID) ?? e.Key)}${ns} ${type}: job ${str(ev.JobID) ?? '?'} ${str(ev.Status) ?? '?'}${str(ev.TriggeredBy) ? ` (triggered by ${ev.TriggeredBy})` : ''}`;
      break;
    }
    case 'Deployment': {
      const d = p.Deployment ?? {};
      const desc = str(d.StatusDescription);
      line = `Deployment ${short(str(d.ID) ?? e.Key)}${ns} ${type}: job ${str(d.JobID) ?? '?'} ${str(d.Status) ?? '?'}${desc ? ` — ${desc}` : ''}`;
      break;
    }
    case 'Node': {
      const n = p.Node ?? {};
      const name = str(n.Name) ?? short(str(n.ID) ?? e.Key);
      line = `Node ${name} ${type}: ${str(n.Status) ?? '?'}, ${str(n.SchedulingEligibility) ?? '?'}${n.Drain === true || (n.DrainStrategy && typeof n.DrainStrategy === 'object') ? ', draining' : ''}`;
      break;
    }
    default:
      line = `${e.Topic ?? '?'} ${e.Key ?? '?'}${ns} ${type}`;
  }
  line = line.replace(/\s+/g, ' ');
  if (line.length > MAX_LINE) line = `${line.slice(0, MAX_LINE)}…`;
  return line + idx;
}

/** `Job: JobRegistered 2, JobDeregistered 1; Allocation: AllocationUpdated 5`. */
function countsText(counts: Map<string, Map<string, number>>): string {
  return [...counts]
    .map(([topic, types]) => `${topic}: ${[...types].map(([t, n]) => `${t} ${n}`).join(', ')}`)
    .join('; ');
}

/**
 * Why Nomad refused a stream, in capability terms: every topic is checked and one unreadable topic
 * refuses the whole stream (nomad/event_endpoint.go ~246-287): `*` needs a management token, Node
 * needs node:read, the others read-job in the namespace (in every namespace for "*").
 */
export function refusal(topics: string[], namespace: string): string {
  const needs: string[] = [];
  const names = topics.map((t) => t.split(':')[0]);
  if (names.includes('*')) needs.push('topic "*" needs a management token');
  if (names.includes('Node')) needs.push('Node topics need node:read');
  const nsTopics = names.filter((n) => n !== '*' && n !== 'Node');
  if (nsTopics.length) {
    needs.push(`${[...new Set(nsTopics)].join(', ')} ${nsTopics.length === 1 ? 'needs' : 'need'} read-job ${namespace === '*' ? 'in every namespace (namespace "*")' : `in namespace "${namespace}"`}`);
  }
  return `Nomad refused the event stream (403 Permission denied): one topic the token cannot read refuses the whole stream. ${needs.join('; ')}. Watch Job, Allocation, Evaluation and Deployment in one namespace, which read-job there allows; get_token_self shows what the token grants.`;
}

export default definePlugin<Args>({
  name: 'watch-events',
  tier: 'read',
  maxDurationMs: (args) => (args.seconds + 15) * 1000,
  async call(args, ctx) {
    // Nomad wants one `topic` parameter per topic: an array repeats the key
    const path = '/v1/event/stream';
    const allNamespaces = ctx.namespace === '*';

    const lines: string[] = [];
    const counts = new Map<string, Map<string, number>>();
    let total = 0;
    const errors: string[] = [];
    let pending = '';
    const decoder = new TextDecoder('utf-8');

    const handleLine = async (raw: string) => {
      const text = raw.trim();
      if (!text) return;
      // nomad/structs/event.go Events: Index and Events; a failing stream just ends (command/agent/event_endpoint.go)
      let msg: { Index?: number; Events?: StreamEvent[] | null };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        errors.push(`unreadable line: ${text.slice(0, 120)}`);
        return;
      }
      if (!msg.Events?.length) return; // `{}` heartbeat
      for (const e of msg.Events) {
        total++;
        const topic = e.Topic ?? '?';
        const types = counts.get(topic) ?? new Map<string, number>();
        types.set(e.Type ?? '?', (types.get(e.Type ?? '?') ?? 0) + 1);
        counts.set(topic, types);
        const line = summariseEvent({ ...e, Index: e.Index ?? msg.Index }, allNamespaces);
        if (lines.length < MAX_LINES) {
          lines.push(line);
          await ctx.progress(total, undefined, line);
        } else if (total % PROGRESS_EVERY === 0) {
          await ctx.progress(total, undefined, `${total} events so far; latest: ${line}`);
        }
      }
    };

    const read = readStreamFor(ctx, path, { query: { topic: args.topics }, ms: args.seconds * 1000 }, async (chunk) => {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        await handleLine(line);
      }
      if (pending.length > MAX_LINE_BYTES) {
        throw new ToolError(`Nomad sent an event-stream line larger than ${MAX_LINE_BYTES / 1048576} MiB; watch fewer topics.`, 'upstream');
      }
    });
    const end = await read.catch((err: unknown) => {
      if (err instanceof ToolError && err.status === 403) throw new ToolError(refusal(args.topics, ctx.namespace), 'caller', 403);
      throw err;
    });
    if (end === 'eof') await handleLine(pending + decoder.decode());

    const scope = `topics ${args.topics.join(', ')} in ${allNamespaces ? 'all namespaces' : `namespace ${ctx.namespace}`}`;
    const head =
      total === 0
        ? `No events for ${scope} during ${args.seconds} s.`
        : `${total} ${total === 1 ? 'event' : 'events'} for ${scope} during ${args.seconds} s (${countsText(counts)}):`;
    const out = [head, ...lines];
    if (total > lines.length) out.push(`… and ${total - lines.length} more events (counted above, not listed).`);
    if (end === 'eof') out.push('(Nomad ended the event stream before the time was up.)');
    for (const e of errors.slice(0, 5)) out.push(`(event stream error: ${e})`);
    return {
      text: truncateText(out.join('\n'), ctx.config.maxResultBytes, 'watch fewer topics or for fewer seconds').text,
      structured: {
        topics: args.topics,
        namespace: ctx.namespace,
        seconds: args.seconds,
        events: total,
        counts: Object.fromEntries([...counts].map(([t, m]) => [t, Object.fromEntries(m)])),
        lines: lines.slice(0, 200),
        ended_by: end === 'time' ? 'time' : 'server',
        errors: errors.slice(0, 5),
      },
    };
  },
});
