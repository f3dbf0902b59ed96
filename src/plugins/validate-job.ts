/**
 * validate_job: check a jobspec without planning or registering it. HCL is parsed by Nomad
 * (PUT /v1/jobs/parse), JSON here; then PUT /v1/validate/job runs Nomad's own validation. When that
 * endpoint is missing (404), the answer is the parse result plus basic structural checks.
 */
import { definePlugin, ToolError, truncateText, type ToolContext } from '../host/plugin.js';
import { type ParsedSpec, hclVariables, looksLikeJson, parseJobspec } from './lib/jobspec.js';
import type { Job } from './lib/nomad.js';
import { warningLines } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  content: string;
  variables?: Record<string, string | number | boolean>;
  namespace?: string;
}

interface ValidateResponse {
  DriverConfigValidated?: boolean;
  ValidationErrors?: string[] | null;
  Error?: string;
  Warnings?: string;
}

/** Structural checks a parsed job must pass (used when Nomad's validation is unavailable). */
export function basicJobChecks(job: Job): string[] {
  const problems: string[] = [];
  if (typeof job.ID !== 'string' || !job.ID.trim()) problems.push('the job has no ID');
  const groups = Array.isArray(job.TaskGroups) ? job.TaskGroups : [];
  if (groups.length === 0) problems.push('the job has no task groups (Missing job task groups)');
  groups.forEach((g, i) => {
    const name = g?.Name ? `group "${g.Name}"` : `task group ${i + 1}`;
    if (!g?.Name) problems.push(`${name} has no name`);
    const tasks = Array.isArray(g?.Tasks) ? g.Tasks : [];
    if (tasks.length === 0) problems.push(`${name} has no tasks`);
    tasks.forEach((t, j) => {
      const tname = t?.Name ? `task "${t.Name}"` : `task ${j + 1}`;
      if (!t?.Name) problems.push(`${name}: ${tname} has no name`);
      if (!t?.Driver) problems.push(`${name}: ${tname} has no driver`);
    });
  });
  return problems;
}

/** Nomad's validation errors as single lines ("1 error occurred:" headers and bullets dropped). */
function errorLines(res: ValidateResponse): string[] {
  const out: string[] = [];
  for (const e of res.ValidationErrors ?? []) out.push(...warningLines(e));
  if (out.length === 0 && res.Error) out.push(...warningLines(res.Error));
  return [...new Set(out)];
}

/** A parse error's text without the "nothing was registered" wording of submit_job_file. */
function parseErrorText(message: string): string {
  return message.replace(', so nothing was registered:', ':').replace(/\s*Nothing was registered\.\s*$/, '');
}

/** Parses, turning "does not parse" into an answer instead of an error; other failures throw. */
async function parse(ctx: ToolContext, args: Args): Promise<ParsedSpec | { error: string }> {
  if (!looksLikeJson(args.content)) hclVariables(args.variables); // a bad variable name is the caller's error, not the spec's
  try {
    return await parseJobspec(ctx, args.content, args.variables);
  } catch (err) {
    const fixable = err instanceof ToolError && err.category === 'caller' && (err.status === undefined || err.status === 400);
    if (!fixable || ctx.signal.aborted) throw err;
    return { error: parseErrorText(err.message) };
  }
}

export default definePlugin<Args>({
  name: 'validate-job',
  async call(args, ctx) {
    const parsed = await parse(ctx, args);
    if ('error' in parsed) {
      return {
        text: `The jobspec is not valid: ${parsed.error}`,
        structured: { valid: false, stage: 'parse', errors: [parsed.error], warnings: [], server_validated: false },
      };
    }
    const { job, format, notes } = parsed;
    let res: ValidateResponse | undefined;
    try {
      res = (await ctx.nomad.put<ValidateResponse>('/v1/validate/job', { Job: job }, { signal: ctx.signal })).data ?? {};
    } catch (err) {
      if (!(err instanceof ToolError && err.status === 404)) throw err;
    }
    const noteLines = notes.map((n) => `note: ${n}`);

    if (!res) {
      const problems = basicJobChecks(job);
      const head = `Job ${job.ID} (${format}) parses${problems.length ? ' but fails basic checks' : ' and passes basic checks (ID, task groups, tasks, drivers)'}.`;
      const lines = [head, ...problems.map((p) => `  ${p}`), 'Server-side validation was unavailable (Nomad answered 404 for /v1/validate/job), so constraints, resources and driver configs were not checked; plan_job checks more.', ...noteLines];
      return {
        text: lines.join('\n'),
        structured: { valid: problems.length === 0, stage: 'basic', job_id: job.ID, format, errors: problems, warnings: [], server_validated: false },
      };
    }

    const errors = errorLines(res);
    const warnings = warningLines(res.Warnings);
    const lines: string[] = [];
    if (errors.length) {
      lines.push(`Job ${job.ID} (${format}) is not valid: ${errors.length} ${errors.length === 1 ? 'error' : 'errors'}:`);
      lines.push(...errors.map((e) => `  ${e}`));
    } else {
      lines.push(`Job ${job.ID} (${format}) is valid${res.DriverConfigValidated ? ' (driver configuration checked too)' : ''}.`);
    }
    if (warnings.length) lines.push('warnings:', ...warnings.map((w) => `  ${w}`));
    lines.push(...noteLines);
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
      structured: {
        valid: errors.length === 0,
        stage: 'server',
        job_id: job.ID,
        format,
        errors,
        warnings,
        driver_config_validated: res.DriverConfigValidated ?? false,
        server_validated: true,
      },
    };
  },
});
