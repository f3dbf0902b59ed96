/**
 * validate_job: check a jobspec without planning or registering it. HCL is parsed by Nomad
 * (PUT /v1/jobs/parse), JSON here; then PUT /v1/validate/job runs Nomad's own validation. When that
 * endpoint is missing (404), the answer is the parse result plus basic structural checks.
 */
import { definePlugin, ToolError, truncateText, type ToolContext } from '../host/plugin.js';
import { type ParsedSpec, hclVariables, looksLikeJson, parseJobspec } from './lib/jobspec.js';
import type { Job } from './lib/nomad.js';
import { chooseNamespace, warningLines } from './lib/register.js';

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

const MULTI_HEADER = /^(?:(.*?):\s*)?(\d+) errors? occurred:$/;

/** `Task group web validation failed` → `group web`, `Task server validation failed` → `task server`. */
function context(prefix: string): string {
  return prefix.replace(/^Task group (.+) validation failed$/, 'group $1').replace(/^Task (.+) validation failed$/, 'task $1');
}

/**
 * Go multierror text (nested ones are flattened into one bullet list, each level announcing its own
 * count: "Task group app validation failed: 1 error occurred:\n\t* Task x validation failed: 1 error
 * occurred:\n\t* Missing task driver") as one line per actual error, with its context:
 * "group app, task x: Missing task driver".
 */
export function multiErrorLines(text: string): string[] {
  const items = text
    .split('\n')
    .map((l) => l.trim().replace(/^\*\s*/, ''))
    .filter((l) => l !== '');
  let i = 0;
  const one = (): string[] => {
    const line = items[i++];
    const m = MULTI_HEADER.exec(line);
    if (!m) return [line];
    const prefix = m[1] ? context(m[1].trim()) : '';
    const out: string[] = [];
    for (let n = Number(m[2]); n > 0 && i < items.length; n--) out.push(...one());
    if (out.length === 0 && prefix) return [prefix];
    return prefix ? out.map((e) => (/^(group|task) [^:]+: /.test(e) && /^(group|task) /.test(prefix) ? `${prefix}, ${e}` : `${prefix}: ${e}`)) : out;
  };
  const out: string[] = [];
  while (i < items.length) out.push(...one());
  return out;
}

/** Nomad's validation errors, one line per error with its group/task context. */
function errorLines(res: ValidateResponse): string[] {
  const out: string[] = [];
  for (const e of res.ValidationErrors ?? []) out.push(...multiErrorLines(e));
  if (out.length === 0 && res.Error) out.push(...multiErrorLines(res.Error));
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
  tier: 'read', // PUT /v1/validate/job changes nothing in Nomad
  async call(args, ctx) {
    const parsed = await parse(ctx, args);
    if ('error' in parsed) {
      return {
        text: `The jobspec is not valid: ${parsed.error}`,
        structured: { valid: false, stage: 'parse', errors: [parsed.error], warnings: [], server_validated: false },
      };
    }
    const { job, format, notes, declaresNamespace } = parsed;
    // Nomad canonicalises a job without Namespace to "default" and checks read-job there
    // (command/agent/job_endpoint.go ~1135, ~231): name the namespace, as plan and register do
    const namespace = chooseNamespace(ctx, declaresNamespace ? job.Namespace : undefined, args.namespace !== undefined);
    let res: ValidateResponse | undefined;
    try {
      const body = { Job: { ...job, Namespace: namespace } };
      res = (await ctx.nomad.put<ValidateResponse>('/v1/validate/job', body, { query: { namespace }, signal: ctx.signal })).data ?? {};
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
