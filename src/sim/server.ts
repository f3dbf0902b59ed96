/**
 * The HTTP front door: records every request, applies faults, routes like Nomad's mux (exact
 * paths and longest prefix), checks region, leader, token and capability in Nomad's order, runs
 * blocking queries, and turns handler results into Nomad-style responses (JSON bodies, plain-text
 * errors, index headers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  permissionDenied, policies, policySpecific, resolveRequest, roleCreate, rolesList, roleSpecific, tokenCreate, tokenSelf, tokenSpecific, tokensList,
} from './acl.js';
import {
  authMethodCreate, authMethodSpecific, authMethodsList, bindingRuleCreate, bindingRuleSpecific, bindingRulesList, login,
} from './authmethods.js';
import { SimAcl } from './aclobject.js';
import { allocationSpecific, allocationsList, clientAllocation } from './allocations.js';
import {
  agentMembersAuthz, agentSelfAuthz, allocationAuthz, type Authz, clientAllocationAuthz, deploymentAuthz, evaluationAuthz, jobAuthz,
  namespaceAuthz, nodeAuthz, nodesAuthz, parseAuthz,
} from './authz.js';
import { deploymentSpecific, deploymentsList } from './deployments.js';
import { evaluationSpecific, evaluationsList } from './evaluations.js';
import { eventStream } from './events.js';
import { gitea } from './gitea.js';
import { glob } from './glob.js';
import {
  Ctx, type EndpointFault, type Env, HttpError, NO_CONTENT, RESPONDED, sendBody, sendError, sendJson, sleepUnlessClosed, waitForIndex,
} from './http.js';
import { parseGoDuration } from './ids.js';
import { jobSpecific, jobsParse, jobsRoot, validateJobRequest } from './jobs.js';
import { logsEndpoint } from './logs.js';
import { agentMonitor } from './monitor.js';
import { namespaceSpecific, namespacesList } from './namespaces.js';
import { nodeSpecific, nodesList } from './nodes.js';
import { autopilotHealth, enterpriseOnly, raftRequest, schedulerConfiguration } from './operator.js';
import { scalingPoliciesList, scalingPolicySpecific } from './scaling.js';
import { fuzzySearch, prefixSearch } from './search.js';
import { agentMembers, agentSelf, regions, statusLeader, statusPeers } from './status.js';
import { variableSpecific, variablesList } from './variables.js';
import { allocFs } from './allocfs.js';
import { clientMetadata, clientStats } from './clientnode.js';
import { nodePoolSpecific, nodePoolsList } from './nodepools.js';
import { serviceSpecific, servicesList } from './services.js';
import { csiVolumeSpecific, hostVolumeSpecific, pluginSpecific, pluginsList, volumesList } from './volumes.js';

/** A request as the simulator received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  rawUrl: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type Handler = (ctx: Ctx, rest: string) => unknown;

/**
 * How a route treats the request's token before its capability check:
 * - rpc: a server RPC; an unknown secret is 403 `Permission denied` (auth.go Authenticate);
 * - agent: the HTTP agent resolves it itself (http.go ResolveToken); unknown is 403 `ACL token not found`;
 * - open: no token needed, an unknown one is ignored (Status.Leader, Status.Peers, Region.List);
 * - self: the handler looks at the token (/v1/acl/token/self);
 * - client500: client file-system streams, whose errors carry no code: 500 `Permission denied`
 *   (nomad/client_fs_endpoint.go logs ~374).
 */
type AuthKind = 'rpc' | 'agent' | 'open' | 'self' | 'client500';

interface Route {
  pattern: string;
  handler: Handler;
  /** Streams its own response; never a blocking query. */
  stream?: boolean;
  auth?: AuthKind;
  /** The capability check (authz.ts); handlers check what depends on the body or filter lists. */
  authz?: Authz;
  /** Answered by the agent or with AllowStale, so it works without a cluster leader. */
  local?: boolean;
  /** A POST that is a read RPC (search), which `stale` lets a follower answer. */
  postRead?: boolean;
  gitea?: boolean;
}

const ROUTES: Route[] = [
  { pattern: '/v1/jobs', handler: jobsRoot },
  { pattern: '/v1/jobs/parse', handler: jobsParse, auth: 'agent', authz: parseAuthz, local: true },
  { pattern: '/v1/validate/job', handler: validateJobRequest },
  { pattern: '/v1/job/', handler: jobSpecific, authz: jobAuthz },
  { pattern: '/v1/allocations', handler: allocationsList },
  { pattern: '/v1/allocation/', handler: allocationSpecific, authz: allocationAuthz },
  // ClientAllocations.* set AllowStale (nomad/client_alloc_endpoint.go)
  { pattern: '/v1/client/allocation/', handler: clientAllocation, authz: clientAllocationAuthz, local: true },
  { pattern: '/v1/client/fs/logs/', handler: logsEndpoint, stream: true, auth: 'client500', local: true },
  // ls, stat, cat, readat: the allocation is looked up before read-fs is checked (allocfs.ts)
  { pattern: '/v1/client/fs/', handler: allocFs, local: true },
  // ClientStats.Stats and NodeMeta.Read set AllowStale (nomad/client_stats_endpoint.go ~30, client_meta_endpoint.go ~60)
  { pattern: '/v1/client/stats', handler: clientStats, local: true },
  { pattern: '/v1/client/metadata', handler: clientMetadata, local: true },
  { pattern: '/v1/services', handler: servicesList },
  { pattern: '/v1/service/', handler: serviceSpecific },
  { pattern: '/v1/node/pools', handler: nodePoolsList },
  { pattern: '/v1/node/pool/', handler: nodePoolSpecific },
  { pattern: '/v1/volumes', handler: volumesList },
  { pattern: '/v1/volume/csi/', handler: csiVolumeSpecific },
  { pattern: '/v1/volume/host/', handler: hostVolumeSpecific },
  { pattern: '/v1/plugins', handler: pluginsList },
  { pattern: '/v1/plugin/csi/', handler: pluginSpecific },
  { pattern: '/v1/evaluations', handler: evaluationsList },
  { pattern: '/v1/evaluation/', handler: evaluationSpecific, authz: evaluationAuthz },
  { pattern: '/v1/deployments', handler: deploymentsList },
  { pattern: '/v1/deployment/', handler: deploymentSpecific, authz: deploymentAuthz },
  { pattern: '/v1/nodes', handler: nodesList, authz: nodesAuthz },
  { pattern: '/v1/node/', handler: nodeSpecific, authz: nodeAuthz },
  { pattern: '/v1/namespaces', handler: namespacesList },
  { pattern: '/v1/namespace/', handler: namespaceSpecific, authz: namespaceAuthz },
  { pattern: '/v1/vars', handler: variablesList },
  { pattern: '/v1/var/', handler: variableSpecific },
  { pattern: '/v1/status/leader', handler: statusLeader, auth: 'open' },
  { pattern: '/v1/status/peers', handler: statusPeers, auth: 'open' },
  // Region.List ignores auth errors and needs no leader (nomad/regions_endpoint.go List)
  { pattern: '/v1/regions', handler: regions, auth: 'open', local: true },
  { pattern: '/v1/agent/self', handler: agentSelf, auth: 'agent', authz: agentSelfAuthz, local: true },
  // Status.Members answers from the local serf (nomad/status_endpoint.go Members)
  { pattern: '/v1/agent/members', handler: agentMembers, authz: agentMembersAuthz, local: true },
  // the handler checks its parameters, then the token and agent:read, in AgentMonitor's order (monitor.ts)
  { pattern: '/v1/agent/monitor', handler: agentMonitor, stream: true, auth: 'open', local: true },
  { pattern: '/v1/acl/token/self', handler: tokenSelf, auth: 'self' },
  { pattern: '/v1/acl/token', handler: tokenCreate },
  { pattern: '/v1/acl/token/', handler: tokenSpecific },
  { pattern: '/v1/acl/tokens', handler: tokensList },
  { pattern: '/v1/acl/policies', handler: policies },
  { pattern: '/v1/acl/policy/', handler: policySpecific },
  { pattern: '/v1/acl/roles', handler: rolesList },
  { pattern: '/v1/acl/role', handler: roleCreate },
  { pattern: '/v1/acl/role/', handler: roleSpecific },
  // JWT auth methods, binding rules and login (command/agent/http.go ~453–465); writes need management
  { pattern: '/v1/acl/auth-methods', handler: authMethodsList, auth: 'open' },
  { pattern: '/v1/acl/auth-method', handler: authMethodCreate },
  { pattern: '/v1/acl/auth-method/', handler: authMethodSpecific },
  { pattern: '/v1/acl/binding-rules', handler: bindingRulesList },
  { pattern: '/v1/acl/binding-rule', handler: bindingRuleCreate },
  { pattern: '/v1/acl/binding-rule/', handler: bindingRuleSpecific },
  // ACL.Login needs no token (nomad/acl_endpoint.go Login ~2917)
  { pattern: '/v1/acl/login', handler: login, auth: 'open' },
  // Operator reads (nomad/operator_endpoint.go): raft configuration needs management, the others operator:read
  { pattern: '/v1/operator/raft/', handler: raftRequest },
  { pattern: '/v1/operator/autopilot/health', handler: autopilotHealth },
  { pattern: '/v1/operator/scheduler/configuration', handler: schedulerConfiguration },
  // Enterprise endpoints on Nomad OSS: 501 before any token check (command/agent/http_ce.go ~18–21)
  { pattern: '/v1/quotas', handler: enterpriseOnly, auth: 'open', local: true },
  { pattern: '/v1/quota', handler: enterpriseOnly, auth: 'open', local: true },
  { pattern: '/v1/quota/', handler: enterpriseOnly, auth: 'open', local: true },
  { pattern: '/v1/quota-usages', handler: enterpriseOnly, auth: 'open', local: true },
  // Scaling.ListPolicies / GetPolicy check their capabilities in the handler (nomad/scaling_endpoint.go)
  { pattern: '/v1/scaling/policies', handler: scalingPoliciesList },
  { pattern: '/v1/scaling/policy/', handler: scalingPolicySpecific },
  // Event.Stream is served in-region without leader forwarding (nomad/event_endpoint.go stream)
  { pattern: '/v1/event/stream', handler: eventStream, stream: true, local: true },
  { pattern: '/v1/search', handler: prefixSearch, postRead: true },
  { pattern: '/v1/search/fuzzy', handler: fuzzySearch, postRead: true },
  { pattern: '/api/v1/', handler: gitea, auth: 'open', gitea: true },
];

/** Go ServeMux: exact match for patterns without a trailing slash, else the longest prefix. */
function route(path: string): { route: Route; rest: string } | undefined {
  let best: Route | undefined;
  for (const r of ROUTES) {
    const ok = r.pattern.endsWith('/') ? path.startsWith(r.pattern) : path === r.pattern;
    if (ok && (!best || r.pattern.length > best.pattern.length)) best = r;
  }
  if (!best) return undefined;
  return { route: best, rest: best.pattern.endsWith('/') ? path.slice(best.pattern.length) : '' };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const MAX_WAIT_MS = 300_000;

/** Handles one HTTP request end to end. */
export async function handle(env: Env, requests: RecordedRequest[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const url = new URL(rawUrl, 'http://sim.invalid');
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  let body = '';
  try {
    body = await readBody(req);
  } catch {
    return;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  requests.push({ method: req.method ?? 'GET', path, rawUrl, query, headers: { ...req.headers }, body });
  // command/agent/http.go wrap ~798: every request is logged at DEBUG when its handler returns
  const started = performance.now();
  res.once('close', () => {
    env.agentLog.write('DEBUG', 'http', 'request complete', { method: req.method ?? 'GET', path: rawUrl, duration: `${(performance.now() - started).toFixed(3)}ms` });
  });
  const ctx = new Ctx(env, req, res, req.method ?? 'GET', path, url.searchParams, body);

  const faults = env.faults;
  if (faults.resetConnection > 0) {
    faults.resetConnection -= 1;
    req.socket.destroy();
    return;
  }
  if (faults.delayMs > 0) {
    const alive = await sleepUnlessClosed(ctx, faults.delayMs, false);
    if (!alive) return;
  }
  if (faults.failStatus > 0 && faults.failCount > 0) {
    faults.failCount -= 1;
    sendBody(ctx, faults.failStatus, 'text/plain; charset=utf-8', 'simulated failure', false);
    return;
  }
  const fault = endpointFault(faults.endpoints, ctx.method, path);
  if (fault) {
    sendBody(ctx, fault.status, 'text/plain; charset=utf-8', fault.text, false);
    return;
  }

  const found = route(path);
  if (!found) {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
    return;
  }
  const { route: r, rest } = found;
  try {
    if (r.gitea) {
      r.handler(ctx, rest);
      return;
    }
    // rpc.go forward: the region first, then the leader, then the token's authentication error.
    const region = ctx.q('region');
    if (region && region !== env.state.region) throw new HttpError(500, 'No path to region');
    if (faults.noLeader && !r.local) {
      const read = ctx.method === 'GET' || r.postRead === true;
      if (!read || !staleRead(ctx)) throw new HttpError(500, 'No cluster leader');
    }
    authenticate(ctx, r);
    r.authz?.(ctx, rest);
    let minIndex = 0;
    let waitMs = MAX_WAIT_MS;
    if (ctx.method === 'GET' && !r.stream) {
      const waitText = ctx.q('wait');
      if (waitText) {
        const parsed = parseGoDuration(waitText);
        if (parsed === undefined) throw new HttpError(400, 'Invalid wait time');
        waitMs = Math.min(parsed, MAX_WAIT_MS);
      }
      const indexText = ctx.q('index');
      if (indexText) {
        if (!/^\d+$/.test(indexText)) throw new HttpError(400, 'Invalid index');
        minIndex = Number(indexText);
      }
    }
    let result = await r.handler(ctx, rest);
    if (minIndex > 0) {
      // Nomad's blockingRPC: run the query, and while the answer's own index (an evaluation's
      // ModifyIndex, a list's table index…) has not passed minIndex, wait for a write and run it again
      // (nomad/rpc.go blockingRPC; eval_endpoint.go GetEval sets reply.Index = eval.ModifyIndex)
      const deadline = Date.now() + (waitMs > 0 ? waitMs : MAX_WAIT_MS);
      while ((ctx.index ?? env.state.index) <= minIndex && Date.now() < deadline) {
        const moved = await waitForIndex(ctx, env.state.index, deadline - Date.now());
        if (res.destroyed) return;
        if (!moved) break; // the wait ran out (or the simulator is closing): answer what there is
        ctx.index = undefined;
        result = await r.handler(ctx, rest);
      }
    }
    if (result === RESPONDED) return;
    if (ctx.indexHeader) ctx.headers['X-Nomad-Index'] = String(ctx.index ?? env.state.index);
    if (ctx.method === 'GET') {
      ctx.headers['X-Nomad-LastContact'] = '0';
      ctx.headers['X-Nomad-KnownLeader'] = faults.noLeader ? 'false' : 'true';
    }
    if (result === NO_CONTENT) {
      res.writeHead(204, ctx.headers);
      res.end();
      return;
    }
    sendJson(ctx, ctx.status, result);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = e instanceof HttpError ? e.status : 500;
    const message = e instanceof Error ? e.message : String(e);
    // ~810: a client error is logged at DEBUG, a server error at ERROR
    env.agentLog.write(status >= 400 && status <= 499 ? 'DEBUG' : 'ERROR', 'http', 'request failed', { method: ctx.method, path: rawUrl, error: message, code: status });
    sendError(ctx, status, message);
  }
}

/** The first endpoint fault matching the request, counting it down. */
function endpointFault(faults: EndpointFault[], method: string, path: string): EndpointFault | undefined {
  for (const f of faults) {
    if (f.count !== undefined && f.count <= 0) continue;
    if (f.method && f.method.toUpperCase() !== method) continue;
    if (!glob(f.path, path)) continue;
    if (f.count !== undefined) f.count -= 1;
    return f;
  }
  return undefined;
}

/** parseConsistency: `stale` (empty or a Go bool) lets a follower answer a read. */
function staleRead(ctx: Ctx): boolean {
  const v = ctx.query.get('stale');
  if (v === null) return false;
  if (v === '') return true;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new HttpError(400, 'Expect `true` or `false` for `stale` query string parameter');
}

/** Resolves the request's token into ctx.acl, failing as the route's kind of endpoint does. */
function authenticate(ctx: Ctx, r: Route): void {
  const kind = r.auth ?? 'rpc';
  if (kind === 'self') return;
  const resolved = resolveRequest(ctx);
  if (resolved) {
    ctx.acl = resolved.acl;
    ctx.token = resolved.token;
    return;
  }
  if (kind === 'open') {
    ctx.acl = SimAcl.compile([]);
    return;
  }
  if (kind === 'agent') throw new HttpError(403, 'ACL token not found');
  throw permissionDenied(kind === 'client500' ? 500 : 403);
}
