/**
 * Job submissions (Nomad 1.6+): the source, format and variables a job version was registered
 * with. Register requests may carry `Submission` beside `Job`; GET /v1/job/:id/submission?version=N
 * returns what was stored for that version.
 */
import { goJsonType } from './gojson.js';
import { coded, type Ctx } from './http.js';
import type { SubmissionInput } from './jobstore.js';
import type { JsonObject } from './types.js';

/** The server's default job_max_source_size, "1M", which go-humanize parses as 1,000,000 bytes. */
export const JOB_MAX_SOURCE_SIZE = 1_000_000;

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The `Submission` of a register body as api.JobSubmission decodes it (Go's type errors included),
 * or null when absent. `request` names the Go request type in decode errors.
 */
export function submissionFromBody(body: JsonObject, request = 'JobRegisterRequest'): SubmissionInput | null {
  const raw = body.Submission;
  if (raw === undefined || raw === null) return null;
  const field = `${request}.Submission`;
  const bad = (v: unknown, path: string, goType: string): never => {
    throw coded(400, `json: cannot unmarshal ${goJsonType(v)} into Go struct field ${path} of type ${goType}`);
  };
  if (!isObj(raw)) bad(raw, field, 'api.JobSubmission');
  const sub = raw as JsonObject;
  const str = (name: string): string => {
    const v = sub[name];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') bad(v, `${field}.${name}`, 'string');
    return v as string;
  };
  const source = str('Source');
  const format = str('Format');
  let flags: Record<string, string> | null = null;
  const rawFlags = sub.VariableFlags;
  if (rawFlags !== undefined && rawFlags !== null) {
    if (!isObj(rawFlags)) bad(rawFlags, `${field}.VariableFlags`, 'map[string]string');
    for (const v of Object.values(rawFlags as JsonObject)) if (typeof v !== 'string') bad(v, `${field}.VariableFlags`, 'string');
    // api.JobSubmission.Canonicalize: an empty map becomes nil.
    if (Object.keys(rawFlags as JsonObject).length > 0) flags = { ...(rawFlags as Record<string, string>) };
  }
  const variables = str('Variables');
  return { Source: source, Format: format, VariableFlags: flags, Variables: variables };
}

/** Length of Go's url.QueryEscape(s) in bytes (Canonicalize escapes VariableFlags values before the size check). */
function queryEscapedLength(s: string): number {
  let n = 0;
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    n += /[A-Za-z0-9\-_.~ ]/.test(c) ? 1 : 3;
  }
  return n;
}

/** Go's fmt %.0f: rounds half to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** go-humanize Bytes (SI units), as the submission size warning prints sizes. */
export function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return val < 10 ? `${val.toFixed(1)} ${sizes[e]}` : `${roundHalfEven(val)} ${sizes[e]}`;
}

/**
 * Job.Register's submissionController: a submission whose source, variables and variable flags
 * together exceed the maximum is discarded (the job still registers) with a warning.
 */
export function limitSubmission(sub: SubmissionInput | null, max = JOB_MAX_SOURCE_SIZE): { submission: SubmissionInput | null; warning?: string } {
  if (!sub) return { submission: null };
  let total = Buffer.byteLength(sub.Source, 'utf8') + Buffer.byteLength(sub.Variables, 'utf8');
  for (const [k, v] of Object.entries(sub.VariableFlags ?? {})) total += Buffer.byteLength(k, 'utf8') + queryEscapedLength(v);
  if (total <= max) return { submission: sub };
  return {
    submission: null,
    warning: `job source size of ${humanBytes(total)} exceeds maximum of ${humanBytes(max)} and will be discarded`,
  };
}

/** helper.MergeMultierrorWarnings: the register reply's Warnings text. */
export function mergeWarnings(warnings: string[]): string {
  if (warnings.length === 0) return '';
  const head = warnings.length === 1 ? '1 warning:\n' : `${warnings.length} warnings:\n`;
  return head + warnings.map((w) => `\n* ${w.trim()}`).join('');
}

const MAX_UINT64 = 2n ** 64n - 1n;

/** GET /v1/job/:id/submission?version=N (command/agent/job_endpoint.go jobSubmissionCRUD). */
export function jobSubmission(ctx: Ctx, id: string): unknown {
  const text = ctx.q('version');
  // strconv.ParseUint runs before the method check.
  if (!/^\d+$/.test(text) || BigInt(text) > MAX_UINT64) throw coded(400, 'Unable to parse job submission version parameter');
  ctx.requireMethod('GET');
  const sub = ctx.state.submission(ctx.namespace(), id, Number(text));
  // setMeta runs before the nil check, so the 404 carries the query headers (index 0) too.
  ctx.headers['X-Nomad-Index'] = String(sub?.JobModifyIndex ?? 0);
  ctx.headers['X-Nomad-LastContact'] = '0';
  ctx.headers['X-Nomad-KnownLeader'] = 'true';
  if (!sub) throw coded(404, 'job source not found');
  ctx.index = sub.JobModifyIndex;
  return { ...sub, VariableFlags: sub.VariableFlags ? { ...sub.VariableFlags } : null };
}
