import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson as send } from './send-json.js';

/**
 * The pages around the API: `/` (what is served where), `/docs` (Swagger UI over /openapi.json, every file
 * from this package: nothing is fetched from a CDN, so it works air-gapped) and its assets.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The page's own files (web/docs in the package: dist/host/transports → ../../../web/docs). */
const PAGE_DIR = path.resolve(HERE, '../../../web/docs');

/** Files /docs/<name> may serve, and where they live: a fixed list, so no path from a request reaches the disk. */
function assetTable(): Map<string, { file: string; type: string }> {
  const ui = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return new Map([
    ['', { file: path.join(PAGE_DIR, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['init.js', { file: path.join(PAGE_DIR, 'init.js'), type: 'text/javascript; charset=utf-8' }],
    ['page.css', { file: path.join(PAGE_DIR, 'page.css'), type: 'text/css; charset=utf-8' }],
    ['swagger-ui.css', { file: path.join(ui, 'swagger-ui.css'), type: 'text/css; charset=utf-8' }],
    ['swagger-ui-bundle.js', { file: path.join(ui, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' }],
    ['favicon-32x32.png', { file: path.join(ui, 'favicon-32x32.png'), type: 'image/png' }],
  ]);
}

let assets: Map<string, { file: string; type: string }> | undefined;

/** Swagger UI sets styles inline; scripts and connections stay on this origin. */
const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** `GET /docs` and `/docs/<asset>`; false when the path is not one of them. */
export function serveDocs(req: IncomingMessage, res: ServerResponse, p: string): boolean {
  if (p !== '/docs' && !p.startsWith('/docs/')) return false;
  assets ??= assetTable();
  const a = assets.get(p === '/docs' ? '' : p.slice('/docs/'.length));
  if (!a) {
    send(res, 404, { error: `no such file under /docs: ${p.slice(0, 100)}` });
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
    return true;
  }
  let size: number;
  try {
    size = statSync(a.file).size;
  } catch {
    send(res, 500, { error: 'the docs page is missing from this installation' });
    return true;
  }
  res.writeHead(200, {
    'content-type': a.type,
    'content-length': size,
    'cache-control': 'public, max-age=3600',
    'content-security-policy': DOCS_CSP,
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(a.file).pipe(res);
  return true;
}

export interface Endpoints {
  stateless: boolean;
  auth: string;
  docs: boolean;
  metrics: boolean;
}

/** `GET /`: what this server serves where, as JSON (or a short HTML page for a browser). */
export function serveIndex(req: IncomingMessage, res: ServerResponse, e: Endpoints, version: string): void {
  const endpoints: Record<string, string> = {
    '/mcp': `MCP Streamable HTTP: 2026-07-28 (stateless) and 2025 clients${e.stateless ? ' (stateless)' : ' (sessions)'}`,
    '/mcp/sse': 'MCP legacy HTTP+SSE (2024-11-05 clients; POST to /mcp/messages)',
    '/api/tools': 'REST: GET lists the tools, POST /api/tools/{name} runs one',
  };
  if (e.docs) {
    endpoints['/openapi.json'] = 'OpenAPI 3.1 description of the REST facade';
    endpoints['/docs'] = 'Browsable REST documentation (try a call with your token)';
  }
  if (e.metrics) endpoints['/metrics'] = 'Prometheus metrics';
  endpoints['/healthz'] = 'Liveness';
  endpoints['/readyz'] = 'Readiness (Nomad leader reachable)';
  const body = { name: 'nomad-mcp', version, auth: e.auth, endpoints };
  if (String(req.headers.accept ?? '').includes('text/html')) {
    const rows = Object.entries(endpoints)
      .map(([p, d]) => `<li><a href="${p}"><code>${p}</code></a>: ${escapeHtml(d)}</li>`)
      .join('\n');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nomad-mcp</title></head><body><h1>nomad-mcp ${escapeHtml(version)}</h1><p>An MCP server for HashiCorp Nomad (auth: ${escapeHtml(e.auth)}).</p><ul>${rows}</ul></body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'content-security-policy': "default-src 'none'" });
    res.end(html);
    return;
  }
  send(res, 200, body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
