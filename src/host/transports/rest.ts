import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthExtra, ToolHost } from '../server.js';
import { sendJson as send } from './send-json.js';


/**
 * REST for callers that do not speak MCP (the Claude API tool loop, scripts):
 * `GET /api/tools` lists the catalog; `POST /api/tools/{name}` runs one tool with the JSON body as arguments.
 */
export async function handleRest(
  host: ToolHost,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  auth: AuthExtra | undefined,
  readJson: () => Promise<unknown>,
): Promise<void> {
  if (path === '/api/tools') {
    if (req.method !== 'GET') return send(res, 405, { error: 'use GET' }, { allow: 'GET' });
    return send(res, 200, host.listTools());
  }
  if (req.method !== 'POST') return send(res, 405, { error: 'use POST with the arguments as a JSON object' }, { allow: 'POST' });
  let name: string;
  try {
    name = decodeURIComponent(path.slice('/api/tools/'.length));
  } catch {
    return send(res, 404, { isError: true, text: 'Unknown tool (the name is not valid URL encoding).', structured: null });
  }
  let args: unknown;
  try {
    args = (await readJson()) ?? {};
  } catch (err) {
    if ((err as { status?: number }).status === 400) {
      return send(res, 400, { isError: true, text: 'Invalid arguments: the body is not valid JSON (send the arguments as a JSON object).', structured: null });
    }
    throw err;
  }
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  const r = await host.call(name, args, {
    signal: ac.signal,
    token: auth?.nomadToken,
    clusterToken: auth?.nomadTokenFor,
    caller: { transport: 'rest', client: auth?.client, limitKey: auth?.limitKey, nomadAccessor: auth?.nomadAccessor },
  });
  const body = { isError: r.isError, text: r.text, structured: r.structured ?? null };
  if (r.refused === 'unknown' || r.refused === 'hidden') return send(res, 404, body);
  if (r.refused === 'invalid-arguments') return send(res, 400, body);
  if (r.refused === 'destructive' || r.refused === 'namespace') return send(res, 403, body);
  if (r.refused === 'rate-limited' || r.refused === 'busy') return send(res, 429, body, { 'retry-after': String(r.retryAfter ?? 1) });
  send(res, 200, body);
}
