/**
 * Partial answers: a composite tool (several requests) that may lose one part keeps the others and
 * says in one line what is missing and why (`agent info unavailable: the token lacks agent:read`).
 * Used by the executor for `requests:` entries marked `optional`/`tolerate`, and by plugins through
 * `ctx.optional`.
 */
import { ToolError } from './errors.js';

/** Why a part failed, in a few words (the capability Nomad wanted, or Nomad's answer). */
export function reasonOf(err: unknown): string {
  if (err instanceof ToolError) return err.reason ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether a failed part may be left out: an answer from the upstream (a status), with `tolerate`
 * listing the statuses allowed (all when absent). Cancellation, timeouts and transport failures are
 * not tolerated: they say nothing about this part alone.
 */
export function tolerable(err: unknown, tolerate?: readonly number[]): boolean {
  if (!(err instanceof ToolError) || err.status === undefined) return false;
  return !tolerate || tolerate.includes(err.status);
}

/** The line an answer carries for a part it could not get. */
export function unavailableLine(label: string, reason: string): string {
  return `${label} unavailable: ${reason}`;
}

/** Collects the missing parts of one call. */
export class Parts {
  readonly missing: { label: string; reason: string }[] = [];

  /** Records a failed part when it may be left out; false when the failure must propagate. */
  add(label: string, err: unknown, tolerate?: readonly number[]): boolean {
    if (!tolerable(err, tolerate)) return false;
    this.missing.push({ label, reason: reasonOf(err) });
    return true;
  }

  /** Awaits a part; when it fails tolerably, records it and answers undefined. */
  async optional<T>(label: string, part: Promise<T>, tolerate?: readonly number[]): Promise<T | undefined> {
    try {
      return await part;
    } catch (err) {
      if (!this.add(label, err, tolerate)) throw err;
      return undefined;
    }
  }

  lines(): string[] {
    return this.missing.map((m) => unavailableLine(m.label, m.reason));
  }

  /** `{label: reason}` for structuredContent.unavailable. */
  record(): Record<string, string> {
    return Object.fromEntries(this.missing.map((m) => [m.label, m.reason]));
  }
}
