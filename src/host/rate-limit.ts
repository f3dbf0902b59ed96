/**
 * Token bucket per client: `perMinute` calls, refilled continuously. `take` answers how many
 * seconds to wait when the bucket is empty.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;

  constructor(private readonly perMinute: number) {
    this.ratePerMs = perMinute / 60_000;
  }

  /** 0 when allowed, else the seconds until one call is allowed again. */
  take(client: string, now = Date.now()): number {
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= 10_000) this.prune(now);
      b = { tokens: this.perMinute, at: now };
      this.buckets.set(client, b);
    }
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * this.ratePerMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.ratePerMs / 1000);
  }

  /**
   * Drop buckets idle for a minute: they have refilled, so forgetting one changes nothing. If every
   * bucket is busy (many clients at once), drop the oldest half rather than grow without bound.
   */
  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.at >= 60_000) this.buckets.delete(k);
    if (this.buckets.size < 10_000) return;
    let drop = this.buckets.size / 2;
    for (const k of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(k);
    }
  }
}
