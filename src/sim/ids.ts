/** Identifier and time helpers of the simulator (deterministic ids, Nomad's time encodings). */
import { createHash } from 'node:crypto';

/** Nomad's zero time as Go serialises it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Produces 36-character UUIDs, deterministic per generator so runs are reproducible. */
export class IdGenerator {
  /** How many ids were drawn: saved with a demo cluster, so a reloaded one never repeats an id. */
  counter = 0;
  constructor(private readonly seed: string) {}

  uuid(): string {
    const h = createHash('sha256').update(`${this.seed}:${this.counter++}`).digest('hex');
    // version 4 / variant bits so the ids look like what Nomad generates
    const v = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  hex(n: number): string {
    return createHash('sha256').update(`${this.seed}:hex:${this.counter++}`).digest('hex').slice(0, n);
  }
}

/** Current time as int64 nanoseconds (a JS number; precision below ~256 ns is lost, which nobody reads). */
export function nowNanos(): number {
  return Date.now() * 1_000_000;
}

/** RFC 3339 time as Go prints it (UTC, fractional seconds without trailing zeros). */
export function rfc3339(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/**
 * Go's time.ParseDuration subset: "300ms", "5s", "1m30s", "1.5h", "0". Returns milliseconds,
 * or undefined when the text is not a duration.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let pos = 0;
  let total = 0;
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1;
    pos = 1;
  }
  if (pos >= text.length) return undefined;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += parseFloat(m[1]) * unitMs[m[2]];
    pos = re.lastIndex;
  }
  return sign * total;
}

/** Duration text ("30s", "5m") to nanoseconds, as jobspecs and api.Job carry durations. */
export function durationToNanos(text: string): number | undefined {
  const ms = parseGoDuration(text);
  return ms === undefined ? undefined : Math.round(ms * 1_000_000);
}
