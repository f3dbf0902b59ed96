import { NodeStreamableHTTPServerTransport as StreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import { type AuthInfo, createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AclEnforcement } from '../nomad-acl.js';
import type { Upstream } from '../upstream.js';
import type { AuthExtra, ToolHost } from '../server.js';
import { type AuthMode, type OriginPolicy, authenticate, bearer, tokenMatches, corsOrigin, originPolicy, originProblem, seesDetails } from './auth.js';
import { type Identity, TokenVerifier } from '../identity.js';
import { type Refusal, SessionTable } from './sessions.js';
import { handleRest } from './rest.js';
import { METADATA_PATH } from '../oauth/gate.js';
import type { Metrics } from '../metrics.js';
import { openApiDocument } from '../openapi.js';
import { RouteLabels } from '../route-label.js';
import { serveDocs, serveIndex } from './web.js';
import { sendJson } from './send-json.js';
import { TrustedProxies, clientAddress } from './client-address.js';
import { IdentityEventBus } from './listen-bus.js';

export interface HttpOptions {
  host: string;
  port: number;
  stateless: boolean;
  tls?: { cert: string; key: string };
  auth: AuthMode;
  allowedOrigins: string[];
  /** Names clients use to reach the server (--public-host), besides the bind host (and loopback names). */
  publicHosts?: string[];
  /** For /readyz: is the Nomad leader reachable? */
  nomad: Upstream;
  /**
   * Passthrough only: whether Nomad enforces ACLs, and how to ask again (for /readyz). Without
   * `allowDisabled`, a Nomad found not to enforce them makes /readyz not ready and MCP/REST answer 503.
   */
  acl?: { atStart: AclEnforcement; probe: () => Promise<AclEnforcement>; allowDisabled: boolean };
  /** How long /readyz reuses its Nomad check (default 3 s), rate limit or not. */
  readyCacheMs?: number;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
  /** A Streamable HTTP session with no open request, unused this long, is closed (default 10 minutes). */
  sessionIdleMs?: number;
  /** At most this many Streamable HTTP sessions at once; a new initialize beyond it gets 503 (default 2,000). */
  maxSessions?: number;
  /** Sessions one verified identity may hold; beyond it 429 (default 50). */
  maxSessionsPerIdentity?: number;
  /** At most this many legacy SSE streams at once (default 1,000). */
  maxSseStreams?: number;
  /** Legacy SSE streams one verified identity may hold (default 20). */
  maxSseStreamsPerIdentity?: number;
  /** Sessions, and separately SSE streams, that all unverified callers of one address may hold together (default 2). */
  maxUnverifiedSessions?: number;
  /** Passthrough: token checks per minute that unverified callers of one address share (default 10). */
  unverifiedPerMinute?: number;
  /** Passthrough: how long Nomad's answer about a token is trusted (default 30 s). */
  tokenCacheMs?: number;
  /** Reverse proxies (IPs or CIDRs) whose X-Forwarded-For names the client (--trusted-proxy). */
  trustedProxies?: string[];
  /** The server's version, for `/` and /openapi.json. */
  version?: string;
  /** Serve /openapi.json and /docs (default true). */
  docs?: boolean;
  /** Serve /metrics (default true). */
  metrics?: boolean;
  /** /metrics takes this bearer token instead of the API's authentication (a scraper's own credential). */
  metricsToken?: string;
}

export interface HttpServer {
  url: string;
  /** Stop accepting, let in-flight calls finish (bounded by `graceMs`), close sessions. */
  close(graceMs?: number): Promise<void>;
  sessions(): number;
}

type AuthedRequest = IncomingMessage & { auth?: AuthInfo; clientAddress?: string };

const SESSION_NOT_FOUND = { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null };

/** The identity `authenticate` attached to a request. */
function identityOf(req: AuthedRequest): Identity {
  const a = req.auth?.extra as AuthExtra | undefined;
  const principal = a?.client ?? 'anonymous';
  return { principal, key: a?.limitKey ?? principal, verified: a?.verified ?? true };
}

const JSONRPC_PARSE_ERROR = { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not valid JSON' }, id: null };

/** The path without trailing slashes, in one pass (a regex `/\/+$/` backtracks on a long run of slashes). */
function trimSlashes(p: string): string {
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47) end--;
  return p.slice(0, end);
}


class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new BodyError(413, `request body larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const text = await readBody(req, max);
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    throw new BodyError(400, 'parse');
  }
}

function isInitialize(body: unknown): boolean {
  const msgs = Array.isArray(body) ? body : [body];
  return msgs.some((m) => m && typeof m === 'object' && (m as { method?: string }).method === 'initialize');
}

/**
 * Whether a POST could be 2026-07-28: it names a modern revision in its header or carries a reserved
 * `io.modelcontextprotocol/` key in `_meta`. Only such requests are classified by the SDK (which builds a
 * web Request for it); plain 2025 session traffic, the most frequent, skips that.
 */
function mayBeModern(req: IncomingMessage, body: unknown): boolean {
  const v = req.headers['mcp-protocol-version'];
  if (typeof v === 'string' && v >= '2026') return true;
  const msgs = Array.isArray(body) ? body : [body];
  return msgs.some((m) => {
    const meta = (m as { params?: { _meta?: unknown } } | null)?.params?._meta;
    return meta !== null && typeof meta === 'object' && Object.keys(meta).some((k) => k.startsWith('io.modelcontextprotocol/'));
  });
}

/** JSON-RPC request ids in a POST body (to cancel them if the client goes away). */
function requestIds(body: unknown): (string | number)[] {
  const msgs = Array.isArray(body) ? body : [body];
  return msgs
    .filter((m) => m && typeof m === 'object' && 'method' in m && 'id' in m)
    .map((m) => (m as { id: string | number }).id);
}

/**
 * One port, `node:http` only: Streamable HTTP at /mcp, legacy SSE at /mcp/sse + /mcp/messages,
 * REST at /api/tools, health at /healthz and /readyz.
 */
export async function serveHttp(host: ToolHost, opts: HttpOptions): Promise<HttpServer> {
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const policyFor = (port: number) =>
    originPolicy({ bindHost: opts.host, port, tls: Boolean(opts.tls), publicHosts: opts.publicHosts ?? [], allowedOrigins: opts.allowedOrigins });
  // a malformed --public-host or --allowed-origin fails here, before listening; the real policy is set
  // once the port is known (port 0), before the first request can arrive
  policyFor(opts.port);
  const proxies = new TrustedProxies(opts.trustedProxies ?? []);
  let policy: OriginPolicy | undefined;
  let acl = opts.acl?.atStart;
  const idleMs = opts.sessionIdleMs ?? 10 * 60_000;
  const unverifiedCap = opts.maxUnverifiedSessions ?? 2;
  const streamable = new SessionTable<StreamableHTTPServerTransport>('sessions', {
    perIdentity: opts.maxSessionsPerIdentity ?? 50,
    unverified: unverifiedCap,
    global: opts.maxSessions ?? 2_000,
  });
  const sse = new SessionTable<SSEServerTransport>('SSE streams', {
    perIdentity: opts.maxSseStreamsPerIdentity ?? 20,
    unverified: unverifiedCap,
    global: opts.maxSseStreams ?? 1_000,
  });
  const verifier = opts.auth.kind === 'nomad' ? new TokenVerifier(opts.nomad, { unverifiedPerMinute: opts.unverifiedPerMinute, cacheMs: opts.tokenCacheMs }) : undefined;
  // sessions a client never DELETEs (a crashed client, a closed laptop) are closed once idle
  const sweeper = setInterval(() => {
    for (const t of streamable.idle(idleMs)) t.close().catch(() => {});
  }, Math.min(60_000, idleMs)).unref();
  let closing = false;
  const docs = opts.docs ?? true;
  let metrics: Metrics | undefined;
  if (opts.metrics ?? true) {
    const { Metrics } = await import('../metrics.js');
    metrics = await Metrics.create(
      { sessions: () => ({ streamable: streamable.size, sse: sse.size }), openStreams: () => host.openStreams, tools: () => host.listTools().tools.length },
      RouteLabels.wordsOf(host.requestPaths()),
    );
    host.observe(metrics);
  }
  // the REST facade's description, made again only when the served catalog changes
  let openApi: { listing: unknown; text: string } | undefined;
  const openApiText = (): string => {
    const listing = host.listTools();
    if (openApi?.listing !== listing) {
      openApi = { listing, text: JSON.stringify(openApiDocument(host.tools.visible, { version: opts.version ?? '0.0.0', auth: opts.auth.kind })) };
    }
    return openApi.text;
  };

  /** A request on another identity's session: audited, and answered as for an unknown session. */
  function foreignSession(req: AuthedRequest, res: ServerResponse, transport: string, sid: string, who: Identity, path: string): void {
    host.audit?.write({
      time: new Date().toISOString(),
      transport,
      session: sid,
      client: who.principal,
      tool: `${req.method ?? 'GET'} ${path}`,
      outcome: 'denied',
      category: 'caller',
      reason: 'session belongs to another identity',
      ms: 0,
    });
    sendJson(res, 404, SESSION_NOT_FOUND);
  }

  function refuse(res: ServerResponse, r: Refusal, jsonrpc: boolean, what: string): void {
    metrics?.refused(what);
    const body = jsonrpc ? { jsonrpc: '2.0', error: { code: -32000, message: r.message }, id: null } : { error: r.message };
    sendJson(res, r.status, body, { 'retry-after': '60' });
  }

  // 2026-07-28: every request self-contained, served by a fresh server from the one factory (any replica
  // can answer it); with --stateless, 2025-era requests are served per request too (no session).
  const bus = new IdentityEventBus((err) => host.log.debug(`http: listen: ${err.message}`));
  const modern = createMcpHandler((ctx) => host.createServer(ctx.era === 'modern' ? 'http' : 'streamable-http', { track: false }), {
    legacy: opts.stateless ? 'stateless' : 'reject',
    maxRequestBodySize: maxBody,
    bus,
    onerror: (err) => host.log.debug(`http: ${err.message}`),
  });
  const modernNode = toNodeHandler(modern, { maxRequestBodySize: maxBody, onerror: (err) => host.log.error(`http: ${err.message}`) });
  // each modern request runs as its caller, so a listen stream it opens is that identity's (listen-bus.ts)
  const serveModern = (req: AuthedRequest, res: ServerResponse, body: unknown) => bus.as(identityOf(req).principal, () => modernNode(req, res, body));
  // a toolset enabled over 2026-07-28 (dynamic toolsets) changed that caller's list only
  const offToolsets = host.onToolsetsEnabled((who) => bus.publishTo(who, { kind: 'tools_list_changed' }));
  const unsubscribe = host.onListChanged((what) => {
    if (what === 'tools') metrics?.setRouteWords(RouteLabels.wordsOf(host.requestPaths()));
    if (what === 'tools') modern.notify.toolsChanged();
    else if (what === 'prompts') modern.notify.promptsChanged();
    else modern.notify.resourcesChanged();
  });

  async function handleStreamable(req: AuthedRequest, res: ServerResponse): Promise<void> {
    const body = req.method === 'POST' ? await readJson(req, maxBody) : undefined;
    if (opts.stateless) return serveModern(req, res, body);
    // a POST carrying the per-request envelope is 2026-07-28; the rest is 2025-era session traffic
    if (req.method === 'POST' && mayBeModern(req, body) && !(await isLegacyRequest(await toWebRequest(req, body), body, { maxRequestBodySize: maxBody }))) {
      return serveModern(req, res, body);
    }
    const who = identityOf(req);
    const sid = req.headers['mcp-session-id'];
    let transport: StreamableHTTPServerTransport | undefined;
    if (typeof sid === 'string') {
      const found = streamable.lookup(sid, who);
      if (found === 'foreign') return foreignSession(req, res, 'streamable-http', sid, who, '/mcp');
      if (!found) return sendJson(res, 404, SESSION_NOT_FOUND);
      transport = found;
      res.on('close', streamable.touch(sid));
    }
    let fresh: { transport: StreamableHTTPServerTransport; server: ReturnType<ToolHost['createServer']>; bound: boolean } | undefined;
    if (!transport) {
      if (req.method !== 'POST' || !isInitialize(body)) {
        return sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no valid session ID; start with an initialize request' }, id: null });
      }
      const refusal = streamable.reserve(who);
      if (refusal) return refuse(res, refusal, true, 'sessions');
      const t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          fresh!.bound = true;
          streamable.bind(id, t, who);
        },
      });
      t.onclose = () => {
        if (t.sessionId) streamable.remove(t.sessionId);
      };
      const server = host.createServer('streamable-http');
      fresh = { transport: t, server, bound: false };
      try {
        await server.connect(t);
      } catch (err) {
        streamable.release(who);
        throw err;
      }
      transport = t;
    }
    // A client that disconnects mid-call cancels its requests, so Nomad requests and streams stop.
    const ids = requestIds(body);
    if (ids.length) {
      const t = transport;
      res.on('close', () => {
        if (res.writableFinished) return;
        for (const id of ids) t.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'client disconnected' } });
      });
    }
    try {
      await transport.handleRequest(req, res, body);
    } finally {
      // an initialize the SDK refused (bad Accept header, a batch…) created no session: free its place and server now
      if (fresh && !fresh.bound) {
        streamable.release(who);
        await fresh.transport.close().catch(() => {});
        await fresh.server.close().catch(() => {});
      }
    }
  }

  async function handleSse(req: AuthedRequest, res: ServerResponse, url: URL): Promise<void> {
    const who = identityOf(req);
    if (url.pathname === '/mcp/sse' && req.method === 'GET') {
      const refusal = sse.reserve(who);
      if (refusal) return refuse(res, refusal, false, 'sse-streams');
      const transport = new SSEServerTransport('/mcp/messages', res);
      sse.bind(transport.sessionId, transport, who);
      res.on('close', () => sse.remove(transport.sessionId));
      await host.createServer('sse').connect(transport);
      return;
    }
    if (url.pathname === '/mcp/messages' && req.method === 'POST') {
      const sid = url.searchParams.get('sessionId') ?? '';
      const transport = sse.lookup(sid, who);
      if (transport === 'foreign') return foreignSession(req, res, 'sse', sid, who, '/mcp/messages');
      if (!transport) return sendJson(res, 404, SESSION_NOT_FOUND);
      const body = await readJson(req, maxBody);
      await transport.handlePostMessage(req, res, body);
      return;
    }
    sendJson(res, 405, { error: 'method not allowed' });
  }

  const readyCacheMs = opts.readyCacheMs ?? 3000;
  type Readiness = { ready: boolean; reason?: string; leader: string | null; acl?: AclEnforcement['state'] };
  let readyCache: { at: number; value: Promise<Readiness> } | undefined;

  async function checkReady(): Promise<Readiness> {
    const [leader, aclNow] = await Promise.all([
      opts.nomad.get<string>('/v1/status/leader', { timeoutMs: 3000 }).then(
        (r) => (typeof r.data === 'string' && r.data ? r.data : null),
        () => null,
      ),
      opts.acl?.probe(),
    ]);
    // an answer that settles the question replaces the last one; "unknown" keeps it
    if (aclNow && aclNow.state !== 'unknown') acl = aclNow;
    const out: Readiness = { ready: leader !== null, leader };
    if (!leader) out.reason = 'Nomad leader not reachable';
    if (opts.acl) {
      out.acl = aclNow?.state ?? 'unknown';
      if (aclNow?.state === 'disabled' && !opts.acl.allowDisabled) {
        out.ready = false;
        out.reason = 'Nomad does not enforce ACLs, so --auth nomad would let any token in';
      }
    }
    return out;
  }

  /**
   * One Nomad check serves every /readyz for `readyCacheMs` (concurrent requests share the one in
   * flight), so /readyz cannot be used to hammer Nomad. Without details it says ready or not, and
   * why not in general words; the leader address only to callers who see details.
   */
  async function readyz(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = Date.now();
    if (!readyCache || now - readyCache.at >= readyCacheMs) readyCache = { at: now, value: checkReady() };
    const r = await readyCache.value;
    const body: Record<string, unknown> = { ready: r.ready };
    if (r.reason) body.reason = r.reason;
    if (r.acl) body.acl = r.acl;
    if (seesDetails(req, opts.auth)) body.leader = r.leader;
    sendJson(res, r.ready ? 200 : 503, body);
  }

  async function route(req: AuthedRequest, res: ServerResponse): Promise<void> {
    req.clientAddress = clientAddress(req, proxies);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = trimSlashes(url.pathname) || '/';
    if (p === '/healthz') {
      const status = closing ? 'stopping' : 'ok';
      return sendJson(res, 200, seesDetails(req, opts.auth) ? { status, sessions: streamable.size + sse.size, inFlight: host.pending } : { status });
    }
    if (p === '/readyz') return readyz(req, res);
    // RFC 9728: the protected-resource metadata, open to all (also under the resource's path suffix)
    if (opts.auth.kind === 'oauth' && (p === METADATA_PATH || p.startsWith(`${METADATA_PATH}/`))) {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
      return sendJson(res, 200, opts.auth.gate.metadata(), { 'access-control-allow-origin': '*' });
    }
    if (p === '/') return serveIndex(req, res, { stateless: opts.stateless, auth: opts.auth.kind, docs, metrics: Boolean(metrics) }, opts.version ?? '0.0.0');
    // the page and its assets are public (they hold no catalog); /openapi.json is authenticated like the API
    if (docs && serveDocs(req, res, p)) return;
    const isMcp = p === '/mcp' || p.startsWith('/mcp/');
    const isRest = p === '/api/tools' || p.startsWith('/api/tools/');
    const isOpenApi = docs && p === '/openapi.json';
    const isMetrics = metrics !== undefined && p === '/metrics';
    if (!isMcp && !isRest && !isOpenApi && !isMetrics) return sendJson(res, 404, { error: `no route for ${p.slice(0, 200)}; GET / lists the endpoints` });
    if (!policy) return sendJson(res, 503, { error: 'server is starting' });
    const bad = originProblem(req, policy);
    if (bad) return sendJson(res, 403, { error: bad });
    // only an --allowed-origin gets CORS headers, and its preflight an answer without auth
    const cors = corsOrigin(req, policy);
    res.setHeader('vary', 'Origin');
    if (cors) {
      res.setHeader('access-control-allow-origin', cors);
      res.setHeader('access-control-expose-headers', 'Mcp-Session-Id, WWW-Authenticate, Retry-After');
    }
    if (req.method === 'OPTIONS') {
      if (req.headers.origin !== undefined && !cors) return sendJson(res, 403, { error: 'no CORS for this origin (add it with --allowed-origin)' });
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID, X-Nomad-Token',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    if (isMetrics && opts.metricsToken !== undefined) {
      const presented = bearer(req);
      if (presented === undefined || !tokenMatches(presented, [opts.metricsToken])) return sendJson(res, 401, { error: 'missing or wrong bearer token for /metrics (--metrics-token)' }, { 'www-authenticate': 'Bearer realm="nomad-mcp metrics"' });
      return sendMetrics(res);
    }
    const a = await authenticate(req, opts.auth, verifier);
    if (!a.ok && a.status === 429) {
      metrics?.refused('token-checks');
      return sendJson(res, 429, { error: a.message }, { 'retry-after': String(a.retryAfter ?? 60) });
    }
    if (!a.ok) return sendJson(res, a.status, { error: a.message }, a.status === 503 ? {} : { 'www-authenticate': a.wwwAuthenticate ?? 'Bearer realm="nomad-mcp"' });
    req.auth = a.auth;
    if (acl?.state === 'disabled' && opts.acl && !opts.acl.allowDisabled) {
      return sendJson(res, 503, { error: 'Nomad does not enforce ACLs, so per-user passthrough cannot tell callers apart; refusing calls' });
    }
    if (closing) return sendJson(res, 503, { error: 'server is shutting down' }, { connection: 'close' });
    if (isMetrics) return sendMetrics(res);
    if (isOpenApi) {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET' });
      const text = openApiText();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache' });
      res.end(text);
      return;
    }
    if (isRest) return handleRest(host, req, res, p, a.auth.extra as AuthExtra, () => readJson(req, maxBody));
    if (p === '/mcp') return handleStreamable(req, res);
    return handleSse(req, res, url);
  }

  async function sendMetrics(res: ServerResponse): Promise<void> {
    const m = await metrics!.text();
    res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(m.body), 'cache-control': 'no-store' });
    res.end(m.body);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err) => {
      if (err instanceof BodyError) {
        if (err.message === 'parse') return sendJson(res, 400, JSONRPC_PARSE_ERROR);
        return sendJson(res, err.status, { error: err.message });
      }
      host.log.error(`http: ${(err as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  };
  const server = opts.tls
    ? https.createServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`port ${opts.port} on ${opts.host} is already in use (another server listens there); choose another with --port, or --port 0 for any free port`));
      else if (err.code === 'EACCES') reject(new Error(`not allowed to listen on port ${opts.port} on ${opts.host} (ports below 1024 need privileges); choose another with --port`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`cannot listen on ${opts.host}: no such address on this machine (--host)`));
      else reject(err);
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  policy = policyFor(addr.port);
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${opts.tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;

  return {
    url,
    sessions: () => streamable.size + sse.size,
    async close(graceMs = 10_000) {
      closing = true;
      clearInterval(sweeper);
      unsubscribe();
      offToolsets();
      server.close();
      server.closeIdleConnections();
      await host.idle(graceMs);
      await Promise.all([...streamable.transports(), ...sse.transports()].map((t) => t.close().catch(() => {})));
      await modern.close().catch(() => {});
      server.closeAllConnections();
    },
  };
}
