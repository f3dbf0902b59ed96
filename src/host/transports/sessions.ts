import type { Identity } from '../identity.js';

/** How many sessions (or streams) one table admits. */
export interface SessionCaps {
  /** Per verified identity. */
  perIdentity: number;
  /** Per unverified address (all unverified callers there together). */
  unverified: number;
  /** For the whole server. */
  global: number;
}

/** Why a new session is refused: 429 for a per-identity cap, 503 for the global one. */
export interface Refusal {
  status: 429 | 503;
  message: string;
}

interface Entry<T> {
  transport: T;
  owner: string;
  key: string;
  lastSeen: number;
  /** HTTP requests on it still open (an open GET stream or a long call keeps a session alive). */
  open: number;
}

/**
 * Live sessions of one kind (Streamable HTTP sessions, or legacy SSE streams): who owns each, caps per
 * identity and in total, and the idle time of each. A place is reserved before the session exists
 * (the SDK names it only while answering initialize), so concurrent initializes cannot pass a cap.
 */
export class SessionTable<T> {
  private readonly byId = new Map<string, Entry<T>>();
  private readonly perKey = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly what: 'sessions' | 'SSE streams',
    private readonly caps: SessionCaps,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  transports(): T[] {
    return [...this.byId.values()].map((e) => e.transport);
  }

  /**
   * Reserve a place for a new session of `who`; undefined = admitted (call `bind` with its ID once it
   * has one, or `release` if it never comes to be), else the refusal to send.
   */
  reserve(who: Identity): Refusal | undefined {
    const cap = who.verified ? this.caps.perIdentity : this.caps.unverified;
    const mine = this.perKey.get(who.key) ?? 0;
    if (mine >= cap) {
      const whose = who.verified ? 'this identity' : 'unverified callers at this address';
      return { status: 429, message: `Too many ${this.what} for ${whose} (${cap}); close some first (idle ones expire).` };
    }
    if (this.total >= this.caps.global) return { status: 503, message: `Too many ${this.what} on this server (${this.caps.global}); retry later.` };
    this.perKey.set(who.key, mine + 1);
    this.total++;
    return undefined;
  }

  /** Give back a reservation that never became a session. */
  release(who: Identity): void {
    const n = (this.perKey.get(who.key) ?? 1) - 1;
    if (n > 0) this.perKey.set(who.key, n);
    else this.perKey.delete(who.key);
    this.total--;
  }

  bind(id: string, transport: T, who: Identity, now = Date.now()): void {
    this.byId.set(id, { transport, owner: who.principal, key: who.key, lastSeen: now, open: 0 });
  }

  /** Forget a session (closed, deleted, expired); frees its place. Idempotent. */
  remove(id: string): void {
    const e = this.byId.get(id);
    if (!e) return;
    this.byId.delete(id);
    this.release({ principal: e.owner, key: e.key, verified: true });
  }

  /**
   * The session `id` if `who` owns it; `foreign` if it belongs to another identity (answer as for an
   * unknown session); undefined if there is none.
   */
  lookup(id: string, who: Identity): T | 'foreign' | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    if (e.owner !== who.principal) return 'foreign';
    return e.transport;
  }

  /** A request on session `id` began; call the returned function when it ends. */
  touch(id: string, now = Date.now()): () => void {
    const e = this.byId.get(id);
    if (!e) return () => {};
    e.lastSeen = now;
    e.open++;
    return () => {
      e.open--;
      e.lastSeen = Date.now();
    };
  }

  /** Sessions with no open request, unused for `idleMs`. */
  idle(idleMs: number, now = Date.now()): T[] {
    const out: T[] = [];
    for (const e of this.byId.values()) if (e.open === 0 && now - e.lastSeen >= idleMs) out.push(e.transport);
    return out;
  }
}
