/** Request context, Nomad-style errors, and the response writers (JSON, text, streams, gzip, faults). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as zconst, createGzip, gzipSync, type Gzip } from 'node:zlib';
import { GoJsonError, goDecode } from './gojson.js';
import { SimAcl } from './aclobject.js';
import type { AclToken, SimState } from './state.js';
import type { AgentLog } from './agentlog.js';

/** Make requests matching a method and path pattern fail with a status and a plain-text body. */
export interface EndpointFault {
  /** HTTP method; any when absent. */
  method?: string;
  /** Decoded request path; `*` matches any run of characters, as in `/v1/job/web*`. */
  path: string;
  status: number;
  /** Body text, as Nomad sends error bodies. */
  text: string;
  /** How many more requests fail; unlimited when absent. */
  count?: number;
}

/** Fault switches; tests mutate them between requests. */
export interface SimFaults {
  delayMs: number;
  failStatus: number;
  failCount: number;
  resetConnection: number;
  truncateBody: number;
  nonJson: number;
  /**
   * A cluster without a leader: requests that need the leader answer 500 `No cluster leader`
   * unless they are reads with `stale` set (nomad/rpc.go forward, getLeaderForRPC).
   */
  noLeader: boolean;
  /** Per-endpoint failures, first match wins. */
  endpoints: EndpointFault[];
}

/** Tracks streaming responses (log follow, event stream, blocking queries) so tests can count them. */
export class StreamTracker {
  open = 0;
  private readonly closers = new Set<() => void>();

  /** Registers an open stream; returns the function that unregisters it (idempotent). */
  add(close: () => void): () => void {
    this.open += 1;
    let done = false;
    this.closers.add(close);
    return () => {
      if (done) return;
      done = true;
      this.open -= 1;
      this.closers.delete(close);
    };
  }

  closeAll(): void {
    for (const c of [...this.closers]) c();
  }
}

/** What every handler can reach. */
export interface Env {
  state: SimState;
  faults: SimFaults;
  streams: StreamTracker;
  heartbeatMs: number;
  /** Whether ACLs are enabled (tokens or policies were configured). */
  aclEnabled: boolean;
  giteaToken: string | undefined;
  /** The simulator's own base URL (set once listening). */
  url: string;
  /** The agent's own log (GET /v1/agent/monitor). */
  agentLog: AgentLog;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** An error the handler gives an explicit status (Nomad's CodedError). */
export function coded(status: number, message: string): HttpError {
  return new HttpError(status, message);
}

/** An error without a code: Nomad's HTTP layer picks 403 for permission texts, else 500. */
export function rpcError(message: string): HttpError {
  if (message.endsWith('Permission denied')) return new HttpError(403, 'Permission denied');
  if (message.endsWith('ACL token not found')) return new HttpError(403, 'ACL token not found');
  return new HttpError(500, message);
}

export function invalidMethod(): HttpError {
  return new HttpError(405, 'Invalid method');
}

/** Handlers return a value to send as JSON, or one of these markers. */
export const RESPONDED = Symbol('responded');
export const NO_CONTENT = Symbol('no-content');

export class Ctx {
  /** Status for a successful JSON reply (409 for CAS conflicts returns a body). */
  status = 200;
  /** X-Nomad-Index to send; the global index when unset. */
  index: number | undefined;
  /** Whether a successful reply carries X-Nomad-Index (a few handlers never call setIndex). */
  indexHeader = true;
  readonly headers: Record<string, string> = {};
  /** The request token's compiled ACL (set by the router; everything allowed without ACLs). */
  acl: SimAcl = SimAcl.DISABLED;
  /** The request's token (the anonymous token without one); undefined for an unknown secret. */
  token: AclToken | undefined;

  constructor(
    readonly env: Env,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly method: string,
    /** Decoded path, as Go's req.URL.Path. */
    readonly path: string,
    readonly query: URLSearchParams,
    readonly body: string,
  ) {}

  get state(): SimState {
    return this.env.state;
  }

  q(name: string): string {
    return this.query.get(name) ?? '';
  }

  /** Namespace query parameter, `default` when absent. */
  namespace(): string {
    return this.q('namespace') || 'default';
  }

  isWrite(): boolean {
    return this.method === 'PUT' || this.method === 'POST';
  }

  requireMethod(...methods: string[]): void {
    if (!methods.includes(this.method)) throw invalidMethod();
  }

  requireWrite(): void {
    this.requireMethod('PUT', 'POST');
  }

  /** Go's strconv.ParseBool for a query parameter; `undefined` when absent. */
  bool(name: string): boolean | undefined {
    const v = this.query.get(name);
    if (v === null || v === '') return undefined;
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
    throw coded(400, `strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }

  /** decodeBody: 400 `Request body is empty`, 400 with Go's decode error. */
  json(): Record<string, unknown> {
    if (this.body === '') throw coded(400, 'Request body is empty');
    let v: unknown;
    try {
      v = goDecode(this.body);
    } catch (e) {
      if (e instanceof GoJsonError) throw coded(400, e.message);
      throw e;
    }
    if (v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw coded(400, `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v} into Go value of type map[string]interface {}`);
    }
    return v as Record<string, unknown>;
  }

  acceptsGzip(): boolean {
    const ae = this.req.headers['accept-encoding'];
    return typeof ae === 'string' && /\bgzip\b/i.test(ae);
  }
}

/** Sends a complete body, applying gzip negotiation and the JSON faults. */
export function sendBody(ctx: Ctx, status: number, contentType: string | undefined, body: string | Buffer, isJson: boolean): void {
  const { res, env } = ctx;
  if (res.headersSent || res.destroyed) return;
  let buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const headers: Record<string, string | number> = { ...ctx.headers };
  if (isJson && env.faults.nonJson > 0) {
    env.faults.nonJson -= 1;
    res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': 26 });
    res.end('<html>gateway error</html>');
    return;
  }
  if (contentType) headers['Content-Type'] = contentType;
  if (buf.length > 0 && ctx.acceptsGzip()) {
    buf = gzipSync(buf);
    headers['Content-Encoding'] = 'gzip';
    headers['Vary'] = 'Accept-Encoding';
  }
  headers['Content-Length'] = buf.length;
  if (isJson && env.faults.truncateBody > 0) {
    env.faults.truncateBody -= 1;
    res.writeHead(status, headers);
    res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => {
      res.destroy();
    });
    return;
  }
  res.writeHead(status, headers);
  res.end(buf);
}

export function sendJson(ctx: Ctx, status: number, value: unknown): void {
  sendBody(ctx, status, 'application/json', JSON.stringify(value === undefined ? null : value), true);
}

/** Error bodies are plain text, just the message. */
export function sendError(ctx: Ctx, status: number, message: string): void {
  sendBody(ctx, status, 'text/plain; charset=utf-8', message, false);
}

/**
 * A long-lived response (logs, event stream). Counts in openStreams until it ends or the client
 * goes away; with `Accept-Encoding: gzip` it is compressed and flushed after every write.
 */
export class StreamWriter {
  closed = false;
  private readonly gz: Gzip | undefined;
  private readonly untrack: () => void;
  private readonly closeCallbacks: (() => void)[] = [];

  constructor(private readonly ctx: Ctx, contentType: string, extraHeaders: Record<string, string> = {}) {
    const { res } = ctx;
    const headers: Record<string, string> = { ...ctx.headers, 'Content-Type': contentType, ...extraHeaders };
    if (ctx.acceptsGzip()) {
      headers['Content-Encoding'] = 'gzip';
      headers['Vary'] = 'Accept-Encoding';
      this.gz = createGzip();
      this.gz.pipe(res);
    }
    res.writeHead(200, headers);
    res.flushHeaders();
    this.untrack = ctx.env.streams.add(() => this.abort());
    res.on('close', () => this.finish());
  }

  onClose(cb: () => void): void {
    if (this.closed) cb();
    else this.closeCallbacks.push(cb);
  }

  /** Writes a chunk, waiting for the socket to drain when it is full. */
  async write(chunk: string | Buffer): Promise<void> {
    if (this.closed) return;
    const target = this.gz ?? this.ctx.res;
    const ok = target.write(chunk);
    if (this.gz) this.gz.flush(zconst.Z_SYNC_FLUSH);
    if (!ok && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          target.off('drain', done);
          resolve();
        };
        target.once('drain', done);
        this.onClose(done);
      });
    }
  }

  /** Ends the response normally. */
  end(): void {
    if (this.closed) return;
    if (this.gz) this.gz.end();
    else this.ctx.res.end();
    this.finish();
  }

  /** Drops the connection (simulator shutdown). */
  abort(): void {
    this.ctx.res.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.untrack();
    for (const cb of this.closeCallbacks.splice(0)) cb();
  }
}

/** Sleeps, resolving early (with false) if the client disconnects or the simulator closes. */
export function sleepUnlessClosed(ctx: Ctx, ms: number, track: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (v: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.res.off('close', onClose);
      untrack();
      resolve(v);
    };
    const onClose = () => settle(false);
    const timer = setTimeout(() => settle(true), ms);
    const untrack = track ? ctx.env.streams.add(() => settle(false)) : () => {};
    ctx.res.on('close', onClose);
  });
}

/**
 * A blocking query: waits until the global index exceeds minIndex or waitMs passes. Counts as an
 * open stream while it waits.
 */
export function waitForIndex(ctx: Ctx, minIndex: number, waitMs: number): Promise<boolean> {
  const state = ctx.state;
  if (state.index > minIndex) return Promise.resolve(true);
  // resolves true when the index passed minIndex, false when the wait ran out or the request ended
  return new Promise((resolve) => {
    let settled = false;
    const settle = (moved: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      off();
      ctx.res.off('close', gone);
      untrack();
      resolve(moved);
    };
    const gone = () => settle(false);
    const timer = setTimeout(gone, waitMs);
    const off = state.onIndex((i) => {
      if (i > minIndex) settle(true);
    });
    const untrack = ctx.env.streams.add(gone);
    ctx.res.on('close', gone);
  });
}
