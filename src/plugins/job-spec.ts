/**
 * get_job_spec: the source a job version was submitted with (GET /v1/job/:id/submission?version=N,
 * kept by Nomad 1.6+ when the CLI or an API client sent it), with its format and variables.
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { getJob } from './lib/nomad.js';
import { redact } from './lib/redact.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  version?: number;
}

interface Submission {
  Source?: string;
  Format?: string;
  VariableFlags?: Record<string, string> | null;
  Variables?: string;
  Version?: number;
}

export default definePlugin<Args>({
  name: 'job-spec',
  tier: 'read',
  async call(args, ctx) {
    const job = await getJob(ctx, args.job_id);
    const current = job.Version ?? 0;
    const version = args.version ?? current;
    if (version > current) {
      throw new ToolError(`Job "${job.ID}" has no version ${version}: its current version is ${current}. get_job_versions lists them.`, 'caller', 404);
    }
    let sub: Submission;
    try {
      sub = (await ctx.nomad.get<Submission>(nomadPath`/v1/job/${job.ID}/submission`, { query: { version }, signal: ctx.signal })).data ?? {};
    } catch (err) {
      if (!(err instanceof ToolError && err.status === 404)) throw err;
      return {
        text: `Nomad kept no source for job ${job.ID} version ${version}${version === current ? ' (the current one)' : ''}: the job was registered through the API as JSON without its source, before Nomad 1.6, or the version is too old. get_job shows the registered specification as JSON.`,
        structured: { job_id: job.ID, version, current_version: current, source_kept: false },
      };
    }
    const format = sub.Format || 'unknown';
    const source = sub.Source ?? '';
    const flags = Object.entries(sub.VariableFlags ?? {});
    const varFile = (sub.Variables ?? '').trim();
    const head = `Job ${job.ID} version ${version}${version === current ? ' (current)' : ` (current is ${current})`} was submitted as ${format} (${Buffer.byteLength(source)} bytes):`;
    const tail: string[] = [];
    let redactions = 0;
    if (flags.length) {
      tail.push('variables given on the command line (-var):');
      for (const [k, v] of flags) {
        const r = redact(`${k}=${v}`);
        redactions += r.count;
        tail.push(`  ${r.text}`);
      }
    }
    if (varFile) {
      const r = redact(varFile);
      redactions += r.count;
      tail.push('variable file (-var-file):', r.text);
    }
    if (redactions) tail.push(`(${redactions} secret-looking variable ${redactions === 1 ? 'value' : 'values'} replaced by [REDACTED])`);
    const tailText = tail.length ? `\n${tail.join('\n')}` : '';
    // The source is what the caller edits and resubmits: cap it, keeping the head and the variables.
    const room = Math.max(1024, ctx.config.maxResultBytes - Buffer.byteLength(head) - Buffer.byteLength(tailText) - 64);
    const capped = truncateText(source, room, 'the source is longer than the answer limit');
    return {
      text: `${head}\n${capped.text}${tailText}`,
      structured: {
        job_id: job.ID,
        version,
        current_version: current,
        source_kept: true,
        format,
        bytes: Buffer.byteLength(source),
        truncated: capped.truncated,
        variable_names: flags.map(([k]) => k),
      },
    };
  },
});
