/**
 * The one error type that crosses the host boundary. `caller` errors are fixable by the
 * caller (bad argument, unknown job); `upstream` errors are infrastructure (Nomad down,
 * timeout, 5xx). Both reach the model as readable `isError` text; the CLI maps them to exit codes.
 */
export type ErrorCategory = 'caller' | 'upstream';

export class ToolError extends Error {
  readonly category: ErrorCategory;
  /** HTTP status from the upstream, when there was one. */
  readonly status?: number;
  /** Why, in a few words, for "x unavailable: <reason>" lines (`the token lacks agent:read`). */
  readonly reason?: string;

  constructor(message: string, category: ErrorCategory = 'caller', status?: number, reason?: string) {
    super(message);
    this.name = 'ToolError';
    this.category = category;
    this.status = status;
    this.reason = reason;
  }
}

/** One descriptor problem, reported as `file:line:col: message`. */
export interface CatalogProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatProblem(p: CatalogProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

export class CatalogError extends Error {
  readonly problems: CatalogProblem[];
  constructor(problems: CatalogProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

/** Message of any thrown value, without stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
