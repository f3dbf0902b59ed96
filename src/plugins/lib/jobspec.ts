/**
 * Reading a jobspec the caller gave (submit_job_file, plan_job, validate_job): HCL text parsed by
 * Nomad (PUT /v1/jobs/parse), JSON text parsed here, or a JSON Job object; bare or `{"Job": {...}}`.
 */
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';
import type { Job } from './nomad.js';
import { nomadMessage, unwrapJob } from './register.js';

export type SpecFormat = 'json' | 'hcl' | 'object';

export interface ParsedSpec {
  job: Job;
  format: SpecFormat;
  /**
   * The spec names its namespace itself. For HCL, Nomad's own parse without Canonicalize decides (a
   * canonicalised job always carries "default"; a `namespace =` inside `vault {}` or `consul {}` is not the job's).
   */
  declaresNamespace: boolean;
  /** Remarks for the answer (e.g. variables ignored). */
  notes: string[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** An HCL variable-file text from a values object: strings quoted (and template sequences escaped). */
export function hclVariables(vars: Record<string, unknown> | undefined): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (!IDENT.test(k)) throw new ToolError(`"${k}" is not a valid HCL variable name (letters, digits, _ and -, not starting with a digit).`, 'caller');
    if (typeof v === 'number' || typeof v === 'boolean') lines.push(`${k} = ${v}`);
    else {
      const quoted = JSON.stringify(String(v))
        // HCL knows \n \r \t \" \\ \uNNNN but not JSON's \b and \f (pairs are scanned left to right).
        .replace(/\\(u[0-9a-fA-F]{4}|[^u])/g, (m, c: string) => (c === 'b' ? '\\u0008' : c === 'f' ? '\\u000c' : m))
        .replace(/\$\{/g, () => '$${')
        .replace(/%\{/g, () => '%%{');
      lines.push(`${k} = ${quoted}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Whether jobspec text is JSON rather than HCL. */
export function looksLikeJson(content: string): boolean {
  return content.trimStart().startsWith('{');
}

function hasVariables(vars: Record<string, unknown> | undefined): boolean {
  return !!vars && Object.keys(vars).length > 0;
}

/** A Job object given as an argument (create_job, plan_job's `job`). */
export function specFromObject(input: unknown, variables?: Record<string, unknown>): ParsedSpec {
  const job = unwrapJob(input);
  const notes = hasVariables(variables) ? ['variables are ignored for JSON jobs (only HCL has variables).'] : [];
  return { job, format: 'object', declaresNamespace: typeof job.Namespace === 'string' && job.Namespace !== '', notes };
}

/**
 * Jobspec text as a Job: JSON is parsed here, HCL by Nomad (with the variables as a var file and
 * Canonicalize on). A spec that does not parse is a caller error that says nothing was registered.
 */
export async function parseJobspec(ctx: ToolContext, content: string, variables?: Record<string, unknown>): Promise<ParsedSpec> {
  const notes: string[] = [];
  if (looksLikeJson(content)) {
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (err) {
      throw new ToolError(`The jobspec looks like JSON but does not parse: ${(err as Error).message}. Nothing was registered.`, 'caller');
    }
    const job = unwrapJob(value, 'The JSON jobspec');
    if (hasVariables(variables)) notes.push('variables are ignored for JSON jobspecs (only HCL has variables).');
    return { job, format: 'json', declaresNamespace: typeof job.Namespace === 'string' && job.Namespace !== '', notes };
  }
  let job: Job;
  let raw: Job | null;
  try {
    // two parses: canonicalised (defaults filled, what is registered) and as written, whose Namespace is
    // null unless the job block sets it (command/agent/job_endpoint.go JobsParseRequest: Canonicalize)
    const parse = (canonicalize: boolean) =>
      ctx.nomad.put<Job>('/v1/jobs/parse', { JobHCL: content, Variables: hclVariables(variables), Canonicalize: canonicalize }, { signal: ctx.signal });
    const [canonical, written] = await Promise.all([parse(true), parse(false)]);
    job = canonical.data;
    raw = written.data;
  } catch (err) {
    if (err instanceof ToolError && err.status !== undefined && err.status < 500 && err.status !== 403 && err.status !== 404) {
      throw new ToolError(`The jobspec does not parse, so nothing was registered: ${nomadMessage(err)}`, 'caller', err.status);
    }
    throw err;
  }
  if (!job || typeof job.ID !== 'string' || !job.ID) {
    throw new ToolError('Nomad parsed the jobspec but it has no job ID: name the job (job "name" { … }). Nothing was registered.', 'caller');
  }
  const declaresNamespace = typeof raw?.Namespace === 'string' && raw.Namespace !== '';
  return { job, format: 'hcl', declaresNamespace, notes };
}
