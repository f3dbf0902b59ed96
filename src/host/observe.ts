/**
 * What the host reports about its own work, for metrics and traces. Observers never see argument values,
 * tokens or answers: only names, outcomes, durations and Nomad endpoints.
 */

export type CallOutcome = 'ok' | 'error' | 'denied' | 'input-required';

export interface CallInfo {
  /** A served tool's name, `resource:<template>`, or `(unknown)`: never free caller text. */
  name: string;
  transport: string;
}

export interface CallEnd {
  outcome: CallOutcome;
  /** Why the host refused it (rate-limited, busy, hidden, declined…). */
  refused?: string;
  /** The error's category (caller, upstream…), for failures. */
  category?: string;
  ms: number;
}

export interface RequestInfo {
  upstream: string;
  method: string;
  /** The path as sent (an observer that labels by it must bound its cardinality). */
  path: string;
}

/** Ends an observed upstream request: its HTTP status, or undefined when no answer came. */
export type RequestDone = (status: number | undefined) => void;

export interface Observer {
  /** Runs a tool call (or resource read) inside the observer's context (a trace span), then reports how it ended. */
  around?<T extends { end: CallEnd }>(info: CallInfo, run: () => Promise<T>): Promise<T>;
  callEnded?(info: CallInfo, end: CallEnd): void;
  /** An upstream request starts. */
  request?(info: RequestInfo): RequestDone | undefined;
  /** A transport refused a caller before any call (HTTP 429: rate, session or stream caps). */
  refused?(reason: string): void;
  /** A catalog reload was applied, or rejected (the last good one kept). */
  catalog?(event: 'reloaded' | 'rejected'): void;
}

/** Several observers as one. */
export class Observers implements Observer {
  private readonly list: Observer[] = [];

  add(o: Observer): void {
    this.list.push(o);
  }

  get size(): number {
    return this.list.length;
  }

  async around<T extends { end: CallEnd }>(info: CallInfo, run: () => Promise<T>): Promise<T> {
    // nested so each observer's context (a span) is active for the call and for the next observer
    const wrapped = this.list.reduceRight<() => Promise<T>>((next, o) => (o.around ? () => o.around!(info, next) : next), run);
    const r = await wrapped();
    for (const o of this.list) o.callEnded?.(info, r.end);
    return r;
  }

  request(info: RequestInfo): RequestDone | undefined {
    const dones: RequestDone[] = [];
    for (const o of this.list) {
      const d = o.request?.(info);
      if (d) dones.push(d);
    }
    if (!dones.length) return undefined;
    return (status) => {
      for (const d of dones) d(status);
    };
  }

  refused(reason: string): void {
    for (const o of this.list) o.refused?.(reason);
  }

  catalog(event: 'reloaded' | 'rejected'): void {
    for (const o of this.list) o.catalog?.(event);
  }
}
