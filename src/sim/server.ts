/**
 * The HTTP front door: records every request, applies faults, routes like Nomad's mux (exact
 * paths and longest prefix), enforces ACL tokens and region, runs blocking queries, and turns
 * handler results into Nomad-style responses (JSON bodies, plain-text errors, index headers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { policies, tokenAllowed, tokenSelf } from './acl.js';
import { allocationSpecific, allocationsList, clientAllocation } from './allocations.js';
import { deploymentSpecific, deploymentsList } from './deployments.js';
import { evaluationSpecific, evaluationsList } from './evaluations.js';
import { eventStream } from './events.js';
import { gitea } from './gitea.js';
import {
  Ctx, type Env, HttpError, NO_CONTENT, RESPONDED, sendBody, sendError, sendJson, sleepUnlessClosed, waitForIndex,
} from './http.js';
import { parseGoDuration } from './ids.js';
import { jobSpecific, jobsParse, jobsRoot, validateJobRequest } from './jobs.js';
import { logsEndpoint } from './logs.js';
import { namespaceSpecific, namespacesList } from './namespaces.js';
import { nodeSpecific, nodesList } from './nodes.js';
import { fuzzySearch, prefixSearch } from './search.js';
import { agentMembers, agentSelf, regions, statusLeader, statusPeers } from './status.js';
import { variableSpecific, variablesList } from './variables.js';

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

interface Route {
  pattern: string;
  handler: Handler;
  /** Streams its own response; never a blocking query. */
  stream?: boolean;
  /** No ACL token needed. */
  open?: boolean;
  /** Status used when the ACL check fails (logs answer 500 in Nomad 1.6–1.9). */
  aclStatus?: number;
  gitea?: boolean;
}

const ROUTES: Route[] = [
  { pattern: '/v1/jobs', handler: jobsRoot },
  { pattern: '/v1/jobs/parse', handler: jobsParse },
  { pattern: '/v1/validate/job', handler: validateJobRequest },
  { pattern: '/v1/job/', handler: jobSpecific },
  { pattern: '/v1/allocations', handler: allocationsList },
  { pattern: '/v1/allocation/', handler: allocationSpecific },
  { pattern: '/v1/client/allocation/', handler: clientAllocation },
  { pattern: '/v1/client/fs/logs/', handler: logsEndpoint, stream: true, aclStatus: 500 },
  { pattern: '/v1/evaluations', handler: evaluationsList },
  { pattern: '/v1/evaluation/', handler: evaluationSpecific },
  { pattern: '/v1/deployments', handler: deploymentsList },
  { pattern: '/v1/deployment/', handler: deploymentSpecific },
  { pattern: '/v1/nodes', handler: nodesList },
  { pattern: '/v1/node/', handler: nodeSpecific },
  { pattern: '/v1/namespaces', handler: namespacesList },
  { pattern: '/v1/namespace/', handler: namespaceSpecific },
  { pattern: '/v1/vars', handler: variablesList },
  { pattern: '/v1/var/', handler: variableSpecific },
  { pattern: '/v1/status/leader', handler: statusLeader, open: true },
  { pattern: '/v1/status/peers', handler: statusPeers, open: true },
  { pattern: '/v1/regions', handler: regions },
  { pattern: '/v1/agent/self', handler: agentSelf },
  { pattern: '/v1/agent/members', handler: agentMembers },
  { pattern: '/v1/acl/token/self', handler: tokenSelf },
  { pattern: '/v1/acl/policies', handler: policies },
  { pattern: '/v1/event/stream', handler: eventStream, stream: true },
  { pattern: '/v1/search', handler: prefixSearch },
  { pattern: '/v1/search/fuzzy', handler: fuzzySearch },
  { pattern: '/api/v1/', handler: gitea, open: true, gitea: true },
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
    if (!r.open && !tokenAllowed(ctx)) throw new HttpError(r.aclStatus ?? 403, 'Permission denied');
    const region = ctx.q('region');
    if (region && region !== env.state.region) throw new HttpError(500, 'No path to region');
    if (ctx.method === 'GET' && !r.stream) {
      const waitText = ctx.q('wait');
      let waitMs = MAX_WAIT_MS;
      if (waitText) {
        const parsed = parseGoDuration(waitText);
        if (parsed === undefined) throw new HttpError(400, 'Invalid wait time');
        waitMs = Math.min(parsed, MAX_WAIT_MS);
      }
      const indexText = ctx.q('index');
      if (indexText) {
        if (!/^\d+$/.test(indexText)) throw new HttpError(400, 'Invalid index');
        const minIndex = Number(indexText);
        if (minIndex > 0) {
          await waitForIndex(ctx, minIndex, waitMs > 0 ? waitMs : MAX_WAIT_MS);
          if (res.destroyed) return;
        }
      }
    }
    const result = await r.handler(ctx, rest);
    if (result === RESPONDED) return;
    if (ctx.indexHeader) ctx.headers['X-Nomad-Index'] = String(ctx.index ?? env.state.index);
    if (ctx.method === 'GET') {
      ctx.headers['X-Nomad-LastContact'] = '0';
      ctx.headers['X-Nomad-KnownLeader'] = 'true';
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
    if (e instanceof HttpError) sendError(ctx, e.status, e.message);
    else sendError(ctx, 500, e instanceof Error ? e.message : String(e));
  }
}
