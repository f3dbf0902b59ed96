import type { Dispatcher, Pool } from 'undici';
import type { WebSocket } from 'ws';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TlsConfig, UpstreamConfig } from './config.js';
import { deniedReason, isPermissionDenied } from './capabilities.js';
import { ConcurrencyLimiter, type Release } from './concurrency.js';
import { headerValueProblem } from './header-value.js';
import { ToolError } from './errors.js';
import { RequestAbort } from './request-abort.js';
import type { NamespaceGuard } from './namespace-guard.js';
import type { HttpMethod } from './types.js';
import type { Observer } from './observe.js';

/** A query value; an array repeats the key (`topic=a&topic=b`); null/undefined/'' leave it out. */
export type QueryValue = string | number | boolean | undefined | null | readonly (string | number | boolean)[];

export interface CallOptions {
  query?: Record<string, QueryValue>;
  /** JSON-serialised unless it is already a string or Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the upstream's request timeout. */
  timeoutMs?: number;
  /** Overrides the configured token (per-user passthrough); `null` sends none. */
  token?: string | null;
  /**
   * The request may stay open longer than the request timeout (a followed log, the event stream, a
   * blocking query with `index`/`wait`): it runs on the upstream's own stream connections, so short
   * calls never queue behind it, and holds one of the caller's stream slots while it is open. Beyond
   * the caller's (or the server's) cap of streams it fails at once with a ToolError.
   */
  long?: boolean;
  /** Error statuses whose body is the answer (Nomad's autopilot health answers 429 when a server is unhealthy). */
  accept?: readonly number[];
}

/** Caps on long requests (see `CallOptions.long`), for all upstreams together. */
export interface StreamLimits {
  /** Long requests one caller may have open at once. */
  perClient: number;
  /** Long requests open at once in total; also the size of each upstream's stream pool. */
  total: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perClient: 4, total: 32 };

/**
 * A per-user Nomad token that can be replaced (the OAuth exchange): `current()` gives the token to
 * send; `renew(rejected)` is asked once when Nomad answered 403 with it, and gives a new token, or
 * undefined when the 403 stands (the token is valid and simply lacks the capability).
 */
export interface TokenSource {
  current(): Promise<string>;
  renew(rejected: string): Promise<string | undefined>;
}

/** Who a view of an upstream makes requests for: defaults, passthrough token, namespace guard, caller key. */
interface View {
  defaultQuery: Record<string, QueryValue>;
  token?: string;
  /** Replaces `token`: asked for the token of each request, and once for another after a 403. */
  tokenSource?: TokenSource;
  guard?: NamespaceGuard;
  /** Key of the caller's stream slots (token fingerprint or address); undefined = the local user (stdio, CLI): the total cap only. */
  caller?: string;
}

/** What every view of one upstream shares: its two pools and the stream slots. */
interface Shared {
  /** Short requests. */
  pool?: Pool;
  /** Long requests (`CallOptions.long`): streams and blocking queries. */
  longPool?: Pool;
  /** Shared by every upstream of a registry, so the total cap holds for all of them. */
  slots: ConcurrencyLimiter;
  /** The registry's observer (metrics, traces), set after the upstreams may exist. */
  observing?: { observer?: Observer };
}

export interface UpstreamResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
  /** `X-Nomad-Index` when present. */
  index?: number;
  /** `X-Nomad-NextToken` when another page exists. */
  nextToken?: string;
}

export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

/** Connections of an upstream's pool for short requests. */
const SHORT_CONNECTIONS = 32;
/** Bodies larger than this are refused rather than buffered. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const RETRYABLE_STATUS = new Set([502, 503, 504]);

function readPem(label: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${label}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

/** undici connect options from the NOMAD_* TLS settings. */
function tlsOptions(tls: TlsConfig | undefined): Record<string, unknown> | undefined {
  if (!tls) return undefined;
  const ca: Buffer[] = [];
  if (tls.caCert) ca.push(readPem('NOMAD_CACERT', tls.caCert));
  if (tls.caPath) {
    for (const f of readdirSync(tls.caPath)) {
      if (/\.(pem|crt)$/i.test(f)) ca.push(readPem('NOMAD_CAPATH', path.join(tls.caPath, f)));
    }
  }
  const out: Record<string, unknown> = {};
  if (ca.length) out.ca = ca;
  if (tls.clientCert) out.cert = readPem('NOMAD_CLIENT_CERT', tls.clientCert);
  if (tls.clientKey) out.key = readPem('NOMAD_CLIENT_KEY', tls.clientKey);
  if (tls.serverName) out.servername = tls.serverName;
  if (tls.skipVerify) out.rejectUnauthorized = false;
  return out;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Turns an upstream's error body into one readable line (Nomad: plain text; Gitea: `{message}`). */
function errorText(body: string): string {
  let text = body.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      const j = JSON.parse(text) as { message?: string; error?: string };
      // a JSON body without a message is data (a CAS conflict answers the current variable, secrets and all): not echoed
      text = j.message ?? j.error ?? '(the answer carried a JSON object, not shown)';
    } catch {
      /* keep the raw text */
    }
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > 500 ? `${text.slice(0, 500)}…` : text || '(empty body)';
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate (set NOMAD_CACERT)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in chain (set NOMAD_CACERT)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: unable to verify the certificate (set NOMAD_CACERT)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate name mismatch (set NOMAD_TLS_SERVER_NAME)',
};

function networkCode(err: unknown): string | undefined {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 4; i++) {
    if (e.code && e.code in NETWORK_CODES) return e.code;
    e = e.cause as typeof e;
  }
  return (err as { code?: string })?.code;
}

/**
 * One HTTP service (Nomad, Gitea, a team's API) behind a keep-alive undici Pool.
 * `with()` returns a view sharing the pool with other default query values (namespace, region).
 */
export class Upstream {
  readonly name: string;
  readonly label: string;
  /** A Nomad cluster (the default `nomad` or another profile's `nomad@<name>`). */
  readonly isNomad: boolean;
  readonly url?: string;
  readonly timeoutMs: number;
  private readonly cfg: UpstreamConfig;
  private readonly shared: Shared;
  private readonly view: View;

  constructor(name: string, cfg: UpstreamConfig, timeoutMs: number, shared?: Partial<Shared>, view?: View) {
    this.name = name;
    this.isNomad = name === 'nomad' || cfg.nomad === true;
    this.label = cfg.label ?? (this.isNomad ? 'Nomad' : name);
    this.cfg = cfg;
    this.url = cfg.url?.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
    this.view = view ?? { defaultQuery: {} };
    const slots = shared?.slots ?? new ConcurrencyLimiter(DEFAULT_STREAM_LIMITS.perClient, DEFAULT_STREAM_LIMITS.total);
    this.shared = Object.assign(shared ?? {}, { slots });
  }

  /**
   * A view with extra default query values (e.g. `{namespace, region}`), and optionally another token
   * (per-user passthrough), a namespace guard and the caller's key (for its stream slots), sharing this
   * upstream's pools.
   */
  with(defaultQuery: Record<string, QueryValue>, opts: { token?: string | TokenSource; guard?: NamespaceGuard; caller?: string } = {}): Upstream {
    const v = this.view;
    const given = opts.token;
    return new Upstream(this.name, this.cfg, this.timeoutMs, this.shared, {
      defaultQuery: { ...v.defaultQuery, ...defaultQuery },
      token: typeof given === 'string' ? given : given ? undefined : v.token,
      tokenSource: typeof given === 'string' ? undefined : (given ?? v.tokenSource),
      guard: opts.guard ?? v.guard,
      caller: opts.caller ?? v.caller,
    });
  }

  /** Before a call on an object by ID, read it to check its namespace against the guard. */
  private async guardTarget(method: HttpMethod, p: string, signal?: AbortSignal): Promise<void> {
    const lookup = this.view.guard?.lookupFor(method, p);
    if (!lookup) return;
    const unguarded = new Upstream(this.name, this.cfg, this.timeoutMs, this.shared, { ...this.view, guard: undefined });
    const r = await unguarded.get<{ Namespace?: string } | null>(lookup, { signal });
    this.view.guard!.checkNamespace(r.data?.Namespace);
  }

  /**
   * The keep-alive pool for short requests, or for long ones (streams, blocking queries) their own:
   * a stream holds its connection for minutes, and must not take one a short call needs. Created on
   * the first request (undici loads then, not at start-up).
   */
  private async pool(long = false): Promise<Pool> {
    const existing = long ? this.shared.longPool : this.shared.pool;
    if (existing) return existing;
    if (!this.url) {
      throw new ToolError(
        `The ${this.name} upstream is not configured${this.cfg.missingHint ? `: ${this.cfg.missingHint}` : ''}.`,
        'upstream',
      );
    }
    const origin = new URL(this.url);
    const { Pool } = await import('undici');
    const again = long ? this.shared.longPool : this.shared.pool;
    if (again) return again;
    const pool = new Pool(origin.origin, {
      // the stream slots bound what runs on the stream pool, so a stream never waits for a connection
      connections: long ? Math.max(1, Math.min(this.shared.slots.max, 1024)) : SHORT_CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: origin.protocol === 'https:' ? (tlsOptions(this.cfg.tls) as Pool.Options['connect']) : undefined,
    });
    if (long) this.shared.longPool = pool;
    else this.shared.pool = pool;
    return pool;
  }

  /** One of the caller's stream slots for a long request; a ToolError at once when none is free. */
  private streamSlot(): Release {
    const slots = this.shared.slots;
    const got = slots.tryAcquire(this.view.caller);
    if ('release' in got) return got.release;
    if (got.refused === 'key') {
      throw new ToolError(
        `Too many concurrent log follows, event streams or waits for this client (${slots.perKey}); wait for one to finish or cancel it.`,
        'caller',
      );
    }
    throw new ToolError(`The server has its maximum of ${slots.max} log follows, event streams and waits open (all clients together); try again shortly.`, 'upstream');
  }

  /** Base path of the upstream URL (e.g. `/gitea` in `https://host/gitea`), prefixed to every path. */
  private basePath(): string {
    return this.url ? new URL(this.url).pathname.replace(/\/+$/, '') : '';
  }

  private buildPath(p: string, query: Record<string, QueryValue> | undefined): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...this.view.defaultQuery, ...query })) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
      else params.set(k, String(v));
    }
    const qs = params.toString();
    return `${this.basePath()}${p}${qs ? `?${qs}` : ''}`;
  }

  private buildHeaders(opts: CallOptions, hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (this.cfg.basicAuth) headers.authorization = `Basic ${Buffer.from(this.cfg.basicAuth).toString('base64')}`;
    const token = opts.token === undefined ? (this.view.token ?? this.cfg.token) : opts.token;
    const bad = token ? headerValueProblem(token) : undefined;
    if (bad) {
      const own = token === this.cfg.token;
      const whose = own ? (this.name === 'nomad' ? 'NOMAD_TOKEN (the server\'s Nomad token)' : `the ${this.label} token of the configuration`) : 'the token this request came with';
      throw new ToolError(
        `${whose[0]!.toUpperCase()}${whose.slice(1)} has ${bad}, which an HTTP header cannot carry, so nothing was sent to ${this.label}. ` +
          'Check it for a copied line ending, quotes or a placeholder.',
        own ? 'upstream' : 'caller',
      );
    }
    if (token) headers[this.cfg.tokenHeader ?? 'authorization'] = `${this.cfg.tokenPrefix ?? 'Bearer '}${token}`;
    if (hasBody) headers['content-type'] ??= 'application/json';
    return headers;
  }

  private where(method: string, p: string): string {
    return `${method} ${p}`;
  }

  /**
   * Nomad never answers 3xx (its HTTP handlers have no redirect), so a redirect comes from something
   * in front of it (a proxy, a login page) and is never a success: undici does not follow it, and a
   * body that came with it is not Nomad's answer. The target is shown without its query string.
   */
  private redirectError(status: number, headers: Record<string, string>, method: string, p: string): ToolError {
    let target = 'no Location';
    const location = headers.location;
    if (location) {
      try {
        const u = new URL(location, this.url);
        target = `${u.origin}${u.pathname}`;
      } catch {
        target = 'an unreadable Location';
      }
      if (target.length > 200) target = `${target.slice(0, 200)}…`;
    }
    const where = this.cfg.cluster ? `point clusters.${this.cfg.cluster}.address at Nomad itself` : this.isNomad ? 'point NOMAD_ADDR at Nomad itself' : `point the ${this.name} upstream's URL at ${this.label} itself`;
    return new ToolError(
      `${this.label} answered ${status} redirect to ${target} (${this.where(method, p)}): something in front of ${this.label} redirected; ${where}.`,
      'upstream',
      status,
    );
  }

  /**
   * An error answer as one ToolError. Nomad's refusals (403, and the 500 `Permission denied` of client
   * endpoints) name the capability Nomad checks there; an allocation the token may not read answers an
   * uncoded `Unknown allocation` (500, alloc_endpoint.go ~180), said as "not found or not permitted".
   */
  private failure(status: number, body: string, method: string, p: string, query?: Record<string, QueryValue>): ToolError {
    const text = errorText(body);
    const where = this.where(method, p);
    if (this.isNomad && isPermissionDenied(status, text)) {
      const ns = query?.namespace ?? this.view.defaultQuery.namespace;
      const reason = deniedReason(method, p, typeof ns === 'string' ? ns : undefined);
      const message = reason
        ? `${this.label} ${status}: ${text} (${where}): ${reason}; get_token_self shows the token's policies and roles, get_acl_policy a policy's rules.`
        : `${this.label} ${status}: ${text} (${where}) The token is unknown or lacks a policy for this; get_token_self shows its policies and roles, get_acl_policy a policy's rules.`;
      return new ToolError(message, 'caller', status, reason ?? 'permission denied');
    }
    // Nomad OSS answers Enterprise endpoints (quotas, sentinel, recommendations) 501 (command/agent/http_ce.go entOnly)
    if (this.isNomad && status === 501 && text === 'Nomad Enterprise only endpoint') {
      return new ToolError(`${this.label} ${status}: ${text} (${where}): this is a Nomad Enterprise feature, and this cluster runs Nomad Community Edition.`, 'caller', status, 'a Nomad Enterprise feature (this cluster runs Community Edition)');
    }
    if (this.isNomad && status === 500 && text.startsWith('Unknown allocation')) {
      return new ToolError(`${this.label} ${status}: ${text} (${where}): allocation not found or not permitted (Nomad answers the same when the token may not read it).`, 'caller', status, 'allocation not found or not permitted');
    }
    return new ToolError(`${this.label} ${status}: ${text} (${where})`, status >= 500 ? 'upstream' : 'caller', status, `${this.label} answered ${status} ${text}`);
  }

  private describeFailure(err: unknown, method: string, p: string, timeout: { aborted: boolean }, ms: number, caller?: AbortSignal): ToolError {
    if (err instanceof ToolError) return err;
    if (timeout.aborted) {
      return new ToolError(`${this.label} did not answer ${this.where(method, p)}: timed out after ${ms} ms.`, 'upstream');
    }
    if (caller?.aborted) return new ToolError('The request was cancelled.', 'caller');
    const code = networkCode(err);
    let why = (code && NETWORK_CODES[code]) ?? (err instanceof Error ? err.message : String(err));
    // a clusters: profile is configured in the file, not by the NOMAD_* variables
    const c = this.cfg.cluster;
    if (c) why = why.replace('set NOMAD_CACERT', `set clusters.${c}.caCert`).replace('set NOMAD_TLS_SERVER_NAME', `set clusters.${c}.tlsServerName`);
    return new ToolError(`Cannot reach ${this.label} at ${this.url} (${why}) during ${this.where(method, p)}.`, 'upstream');
  }

  /** One JSON request. Non-2xx answers and transport failures throw a ToolError with a readable message. */
  async request<T = unknown>(method: HttpMethod, p: string, opts: CallOptions = {}): Promise<UpstreamResponse<T>> {
    return this.observed(method, p, () => this.requestWithSource<T>(method, p, opts));
  }

  /** Runs one request under the registry's observer (metrics, traces): its status, or none when it failed without one. */
  private async observed<R extends { status: number }>(method: HttpMethod, p: string, run: () => Promise<R>): Promise<R> {
    const done = this.shared.observing?.observer?.request?.({ upstream: this.name, method, path: p });
    if (!done) return run();
    try {
      const r = await run();
      done(r.status);
      return r;
    } catch (err) {
      done(err instanceof ToolError ? err.status : undefined);
      throw err;
    }
  }

  private async requestWithSource<T>(method: HttpMethod, p: string, opts: CallOptions): Promise<UpstreamResponse<T>> {
    const source = opts.token === undefined ? this.view.tokenSource : undefined;
    if (!source) return this.requestWithToken<T>(method, p, opts);
    const used = await source.current();
    try {
      return await this.requestWithToken<T>(method, p, { ...opts, token: used });
    } catch (err) {
      // a revoked or expired exchanged token: one new token, one more try
      if (!(err instanceof ToolError) || err.status !== 403) throw err;
      const fresh = await source.renew(used);
      if (!fresh) throw err;
      return this.requestWithToken<T>(method, p, { ...opts, token: fresh });
    }
  }

  private async requestWithToken<T>(method: HttpMethod, p: string, opts: CallOptions): Promise<UpstreamResponse<T>> {
    const release = opts.long ? this.streamSlot() : undefined;
    try {
      const guard = this.view.guard;
      if (guard) {
        await this.guardTarget(method, p, opts.signal);
        const r = await this.requestUnguarded<T>(method, p, opts);
        return { ...r, data: guard.filter(r.data) };
      }
      return await this.requestUnguarded<T>(method, p, opts);
    } finally {
      release?.();
    }
  }

  private async requestUnguarded<T>(method: HttpMethod, p: string, opts: CallOptions): Promise<UpstreamResponse<T>> {
    const retries = method === 'GET' || method === 'HEAD' ? 2 : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, p, opts);
      } catch (err) {
        const retryable =
          err instanceof RetryableError && attempt < retries && !opts.signal?.aborted;
        if (!retryable) throw err instanceof RetryableError ? err.toolError : err;
        await sleep(50 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }

  private async once<T>(method: HttpMethod, p: string, opts: CallOptions): Promise<UpstreamResponse<T>> {
    // One abort per request, by the deadline or the caller (cheaper than AbortSignal.any on the hot path,
    // and not an AbortSignal: see request-abort.ts).
    const ms = opts.timeoutMs ?? this.timeoutMs;
    const controller = new RequestAbort();
    const timeout = { aborted: false };
    const timer = setTimeout(() => {
      timeout.aborted = true;
      controller.abort();
    }, ms);
    const onCaller = () => controller.abort();
    opts.signal?.addEventListener('abort', onCaller, { once: true });
    if (opts.signal?.aborted) controller.abort();
    try {
      return await this.exchange<T>(method, p, opts, controller, timeout, ms);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onCaller);
    }
  }

  private async exchange<T>(
    method: HttpMethod,
    p: string,
    opts: CallOptions,
    signal: RequestAbort,
    timeout: { aborted: boolean },
    ms: number,
  ): Promise<UpstreamResponse<T>> {
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
    let res: Dispatcher.ResponseData;
    try {
      res = await (await this.pool(opts.long)).request({
        method,
        path: this.buildPath(p, opts.query),
        headers: this.buildHeaders(opts, body !== undefined),
        body,
        signal,
      });
    } catch (err) {
      const te = this.describeFailure(err, method, p, timeout, ms, opts.signal);
      const code = networkCode(err);
      // A reset keep-alive socket is worth one more try for idempotent reads.
      if (!timeout.aborted && !opts.signal?.aborted && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')) throw new RetryableError(te);
      throw te;
    }
    let text: string;
    try {
      text = await readCapped(res.body, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof ToolError) throw err;
      const te = this.describeFailure(err, method, p, timeout, ms, opts.signal);
      if (!timeout.aborted && !opts.signal?.aborted) {
        throw new RetryableError(new ToolError(`${this.label} closed the connection mid-answer during ${this.where(method, p)}.`, 'upstream'));
      }
      throw te;
    }
    const headers = flatHeaders(res.headers);
    if (res.statusCode >= 300 && res.statusCode < 400) throw this.redirectError(res.statusCode, headers, method, p);
    if (res.statusCode >= 400 && !opts.accept?.includes(res.statusCode)) {
      const te = this.failure(res.statusCode, text, method, p, opts.query);
      if (RETRYABLE_STATUS.has(res.statusCode)) throw new RetryableError(te);
      throw te;
    }
    let data: unknown = null;
    if (text.length > 0) {
      try {
        data = JSON.parse(text);
      } catch {
        const type = headers['content-type'] ?? 'no content type';
        throw new RetryableError(
          new ToolError(
            `${this.label} answered ${this.where(method, p)} with something that is not JSON (${type}): ${errorText(text).slice(0, 120)}`,
            'upstream',
          ),
        );
      }
    }
    const index = headers['x-nomad-index'] ? Number(headers['x-nomad-index']) : undefined;
    return { status: res.statusCode, headers, data: data as T, index, nextToken: headers['x-nomad-nexttoken'] || undefined };
  }

  get<T = unknown>(p: string, opts?: CallOptions) {
    return this.request<T>('GET', p, opts);
  }
  put<T = unknown>(p: string, body?: unknown, opts?: CallOptions) {
    return this.request<T>('PUT', p, { ...opts, body });
  }
  post<T = unknown>(p: string, body?: unknown, opts?: CallOptions) {
    return this.request<T>('POST', p, { ...opts, body });
  }
  delete<T = unknown>(p: string, opts?: CallOptions) {
    return this.request<T>('DELETE', p, opts);
  }

  /**
   * A streaming GET (logs, event stream). No overall timeout: the caller's signal ends it.
   * The timeout applies until the response headers arrive. With `long`, it runs on the stream pool and
   * holds a stream slot until the body closes or the caller's signal aborts.
   */
  async stream(p: string, opts: CallOptions = {}): Promise<StreamResponse> {
    // observed until the answer's headers: a stream's length is the caller's, not Nomad's latency
    return this.observed('GET', p, () => this.openStream(p, opts));
  }

  private async openStream(p: string, opts: CallOptions): Promise<StreamResponse> {
    if (opts.token === undefined && this.view.tokenSource) opts = { ...opts, token: await this.view.tokenSource.current() };
    const release = opts.long ? this.streamSlot() : () => {};
    const ms = opts.timeoutMs ?? this.timeoutMs;
    let timeout: AbortSignal | undefined;
    const controller = new AbortController();
    const onTimeout = () => controller.abort(timeout?.reason);
    // the slot is free as soon as the caller gives up, before the socket closes
    const onCaller = () => {
      release();
      controller.abort(opts.signal?.reason);
    };
    try {
      await this.guardTarget('GET', p, opts.signal);
      timeout = AbortSignal.timeout(ms);
      timeout.addEventListener('abort', onTimeout, { once: true });
      opts.signal?.addEventListener('abort', onCaller, { once: true });
      if (opts.signal?.aborted) onCaller();
      const res = await (await this.pool(opts.long)).request({
        method: 'GET',
        path: this.buildPath(p, opts.query),
        headers: this.buildHeaders(opts, false),
        signal: controller.signal,
        bodyTimeout: 0,
      });
      timeout.removeEventListener('abort', onTimeout);
      const headers = flatHeaders(res.headers);
      if (res.statusCode >= 300 && res.statusCode < 400) {
        res.body.destroy();
        opts.signal?.removeEventListener('abort', onCaller);
        throw this.redirectError(res.statusCode, headers, 'GET', p);
      }
      if (res.statusCode >= 400) {
        const text = await readCapped(res.body, 64 * 1024).catch(() => '');
        throw this.failure(res.statusCode, text, 'GET', p, opts.query);
      }
      const body = res.body;
      body.once('close', () => {
        opts.signal?.removeEventListener('abort', onCaller);
        release();
      });
      return { status: res.statusCode, headers, body };
    } catch (err) {
      timeout?.removeEventListener('abort', onTimeout);
      opts.signal?.removeEventListener('abort', onCaller);
      release();
      throw this.describeFailure(err, 'GET', p, timeout ?? { aborted: false }, ms, opts.signal);
    }
  }

  /**
   * A websocket to the upstream (Nomad's alloc exec, api/allocations_exec.go): URL, query and token as for
   * a request (ws/wss from the configured scheme, the token header on the upgrade, the upstream's TLS
   * settings), the namespace guard checked first, and one of the caller's stream slots held until the socket
   * closes. Resolves with the socket as created (not yet open).
   *
   * The `ws` client, not undici's: Nomad drops the connection right after the exit frame (no close frame,
   * command/agent/alloc_endpoint.go ~760), and `ws` delivers every frame already received before it reports
   * the close, where undici's WebSocket could report the close first and lose the exit frame of a long output.
   */
  async websocket(p: string, opts: Pick<CallOptions, 'query' | 'signal' | 'token'> = {}): Promise<WebSocket> {
    if (opts.token === undefined && this.view.tokenSource) opts = { ...opts, token: await this.view.tokenSource.current() };
    if (!this.url) await this.pool(); // throws the "not configured" error
    await this.guardTarget('GET', p, opts.signal);
    if (opts.signal?.aborted) throw new ToolError('The request was cancelled.', 'caller');
    const release = this.streamSlot();
    try {
      const { WebSocket } = await import('ws');
      const origin = new URL(this.url!);
      const url = new URL(this.buildPath(p, opts.query), origin);
      url.protocol = origin.protocol === 'https:' ? 'wss:' : 'ws:';
      const { accept: _accept, ...headers } = this.buildHeaders(opts, false);
      const tls = origin.protocol === 'https:' ? tlsOptions(this.cfg.tls) : undefined;
      const socket = new WebSocket(url, { headers, handshakeTimeout: this.timeoutMs, maxPayload: 16 * 1024 * 1024, ...tls });
      // an unanswered upgrade or a dropped connection ends in 'close' (1006); the error itself needs a listener
      socket.on('error', () => {});
      socket.once('close', () => release());
      return socket;
    } catch (err) {
      release();
      throw this.describeFailure(err, 'GET', p, { aborted: false }, this.timeoutMs, opts.signal);
    }
  }

  /**
   * Nomad sends an exec error after the upgrade, as a close frame whose reason is the error text (1011 for
   * its 500s, 1008 for the others: command/agent/alloc_endpoint.go toWsCode ~783): a refusal names the
   * capability as a request's would.
   */
  closeError(code: number, reason: string, p: string): ToolError {
    if (this.name === 'nomad' && isPermissionDenied(500, reason)) return this.failure(500, reason, 'GET', p);
    return new ToolError(`${this.label} closed the connection (${code}): ${reason} (GET ${p})`, code === 1011 ? 'upstream' : 'caller', undefined, `${this.label} answered ${reason}`);
  }

  async close(): Promise<void> {
    const pools = [this.shared.pool, this.shared.longPool];
    this.shared.pool = undefined;
    this.shared.longPool = undefined;
    await Promise.all(pools.map((pool) => pool?.close().catch(() => pool.destroy())));
  }
}

class RetryableError extends Error {
  constructor(readonly toolError: ToolError) {
    super(toolError.message);
  }
}

/**
 * The whole body as text, refused beyond `max` bytes. Read with listeners rather than `for await`, which
 * builds an async iterator and a promise per chunk on every call.
 */
function readCapped(body: Readable, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        done();
        body.destroy();
        reject(new ToolError(`The answer is larger than ${Math.round(max / 1048576)} MiB; narrow the call (prefix, filter, per_page).`, 'caller'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    // closed without an end: the connection went away mid-answer
    const onClose = () => {
      done();
      reject(Object.assign(new Error('the answer ended before it was complete'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

/** Upstreams by name, created lazily from config; they share one set of stream slots. */
export class UpstreamRegistry {
  private readonly byName = new Map<string, Upstream>();
  private readonly slots: ConcurrencyLimiter;
  private readonly observing: { observer?: Observer } = {};
  constructor(
    private readonly configs: Record<string, UpstreamConfig>,
    private readonly timeoutMs: number,
    limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ) {
    this.slots = new ConcurrencyLimiter(limits.perClient, limits.total);
  }

  has(name: string): boolean {
    return name in this.configs;
  }

  /** Upstreams a descriptor may name (`nomad` is the default cluster; `nomad@<cluster>` are reached through the cluster argument). */
  names(): string[] {
    return Object.keys(this.configs).filter((n) => !n.startsWith('nomad@'));
  }

  get(name: string): Upstream {
    let u = this.byName.get(name);
    if (!u) {
      const cfg = this.configs[name];
      if (!cfg) throw new ToolError(`Unknown upstream "${name}"; declare it under upstreams: in the config file.`, 'caller');
      u = new Upstream(name, cfg, this.timeoutMs, { slots: this.slots, observing: this.observing });
      this.byName.set(name, u);
    }
    return u;
  }

  /** Report every request of every upstream (existing and future) to this observer. */
  observe(observer: Observer): void {
    this.observing.observer = observer;
  }

  /** Long requests (streams, blocking queries) open now, over all upstreams. */
  get openStreams(): number {
    return this.slots.held();
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((u) => u.close()));
  }
}
