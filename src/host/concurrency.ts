/**
 * Caps on things under way at once (calls, long streams): per key (a caller's identity) and in total.
 * Beyond a cap the answer is an immediate refusal, never a queue, so one caller cannot make the others
 * wait behind its work.
 */

/** Gives a slot back; calling it more than once releases it once. */
export type Release = () => void;

/** Why a slot was refused: the key's own cap, or the total. */
export type Refusal = 'key' | 'total';

export class ConcurrencyLimiter {
  private readonly byKey = new Map<string, number>();
  private total = 0;

  /**
   * @param perKey slots one key may hold at once
   * @param max slots all keys together may hold (Infinity: no total cap)
   */
  constructor(
    readonly perKey: number,
    readonly max = Number.POSITIVE_INFINITY,
  ) {}

  /** Slots held now, by one key or in total. */
  held(key?: string): number {
    return key === undefined ? this.total : (this.byKey.get(key) ?? 0);
  }

  /**
   * A slot for `key`, or why there is none. The release is idempotent; pass it to every way the work
   * can end. An undefined key (the one local user of stdio or the CLI, who has no one to crowd out)
   * counts against the total only.
   */
  tryAcquire(key: string | undefined): { release: Release } | { refused: Refusal } {
    const n = key === undefined ? 0 : (this.byKey.get(key) ?? 0);
    if (key !== undefined && n >= this.perKey) return { refused: 'key' };
    if (this.total >= this.max) return { refused: 'total' };
    if (key !== undefined) this.byKey.set(key, n + 1);
    this.total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        if (key === undefined) return;
        const left = (this.byKey.get(key) ?? 1) - 1;
        // a key holding nothing is forgotten: the map stays as small as the work under way
        if (left <= 0) this.byKey.delete(key);
        else this.byKey.set(key, left);
      },
    };
  }
}
