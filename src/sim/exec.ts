/**
 * GET /v1/client/allocation/:id/exec as a websocket (v1.9.7). The HTTP handler parses `command` (a JSON
 * array) and `tty` before upgrading (command/agent/alloc_endpoint.go allocExec ~583–613); every later
 * error travels as a close frame whose reason is the error text, 1011 for a 500 and 1008 otherwise
 * (execStreamHandleError ~768, toWsCode ~783). The checks run in Nomad's order: the server's
 * (nomad/client_alloc_endpoint.go exec ~479–589: token, allocation, alloc-exec, terminal status), then
 * the client's (client/alloc_endpoint.go execImpl ~225–363: task, command, alloc-node-exec for a driver
 * without filesystem isolation, task state). Frames are JSON text messages (api/allocations.go ~599–636);
 * output comes in reads of at most 1024 bytes (plugins/drivers/execstreaming.go ~83), each stream ends
 * with `{"close":true}`, then `{"exited":true,"result":{…}}`, and the server drops the connection
 * without a close frame (execStreamImpl ws.Close() ~760).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { type WebSocket, WebSocketServer } from 'ws';
import { resolveRequest } from './acl.js';
import { runCommand, type Out } from './execcmds.js';
import { Ctx, type Env } from './http.js';
import { ZERO_TIME } from './ids.js';
import { isTerminalAlloc } from './jobmodel.js';
import type { RecordedRequest } from './server.js';
import type { Allocation } from './types.js';

/** One exec session as the simulator saw it: what ran, and how it ended. */
export interface ExecRecord {
  allocId: string;
  task: string;
  command: string[];
  /** `exited` (with exitCode), `refused` (with reason), or `closed` by the client before the command exited. */
  outcome: 'exited' | 'refused' | 'closed';
  exitCode?: number;
  reason?: string;
}

/** The exec sessions since start, and how many are open now. */
export class ExecTracker {
  readonly log: ExecRecord[] = [];
  open = 0;
  /** Sessions the client closed before the command exited (timeout, cancellation). */
  closedByClient = 0;
  readonly sockets = new Set<WebSocket>();
}

const CLOSE_INTERNAL = 1011; // websocket.CloseInternalServerErr
const CLOSE_POLICY = 1008; // websocket.ClosePolicyViolation
/** Bytes per output frame: the driver reads 1024 at a time. */
const READ_SIZE = 1024;
/** Bytes read from a task log at a time when a command prints one. */
const LOG_CHUNK = 64 * 1024;

const EXEC_PATH = /^\/v1\/client\/allocation\/([^/]+)\/exec$/;

/** Go's json.Unmarshal into []string, with its error texts for the common mistakes. */
function parseCommand(text: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    const c = text.trimStart()[0];
    throw new Error(c === undefined ? 'unexpected end of JSON input' : `invalid character '${c}' looking for beginning of value`);
  }
  if (v === null) return [];
  if (!Array.isArray(v)) throw new Error(`json: cannot unmarshal ${typeof v === 'object' ? 'object' : typeof v} into Go value of type []string`);
  for (const x of v) if (typeof x !== 'string') throw new Error(`json: cannot unmarshal ${typeof x} into Go value of type string`);
  return v as string[];
}

/** A plain HTTP answer on a socket that asked to upgrade (an error before the upgrade). */
function httpAnswer(socket: Duplex, status: number, text: string): void {
  const reason = status === 500 ? 'Internal Server Error' : status === 404 ? 'Not Found' : 'Bad Request';
  const body = Buffer.from(text);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${text}`);
}

/** Serves exec upgrades on the simulator's HTTP server. */
export function attachExec(server: import('node:http').Server, env: Env, requests: RecordedRequest[], tracker: ExecTracker): void {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://sim.invalid');
    const path = decodeURIComponent(url.pathname);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
    requests.push({ method: req.method ?? 'GET', path, rawUrl, query, headers: { ...req.headers }, body: '' });
    const m = EXEC_PATH.exec(path);
    if (!m) return httpAnswer(socket, 404, '');
    let command: string[];
    try {
      command = parseCommand(url.searchParams.get('command') ?? '');
    } catch (e) {
      return httpAnswer(socket, 500, `failed to marshal command into json: ${(e as Error).message}`);
    }
    const tty = url.searchParams.get('tty');
    if (tty && !['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(tty)) {
      return httpAnswer(socket, 500, `tty value is not a boolean: strconv.ParseBool: parsing ${JSON.stringify(tty)}: invalid syntax`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const ctx = new Ctx(env, req, undefined as never, 'GET', path, url.searchParams, '');
      void session(env, ctx, ws, tracker, decodeURIComponent(m[1]), url.searchParams.get('task') ?? '', command);
    });
  });
}

async function session(env: Env, ctx: Ctx, ws: WebSocket, tracker: ExecTracker, allocId: string, task: string, command: string[]): Promise<void> {
  const record: ExecRecord = { allocId, task, command, outcome: 'refused' };
  tracker.log.push(record);
  tracker.open++;
  tracker.sockets.add(ws);
  let exited = false;
  ws.on('close', () => {
    tracker.open--;
    tracker.sockets.delete(ws);
    if (!exited && record.outcome !== 'refused') {
      record.outcome = 'closed';
      tracker.closedByClient++;
    }
  });
  // stdin frames are read and dropped: the commands here read no input
  ws.on('message', () => {});
  const refuse = (status: number, reason: string) => {
    record.reason = reason;
    ws.close(status === 500 ? CLOSE_INTERNAL : CLOSE_POLICY, reason);
  };

  const state = env.state;
  // ClientAllocations.Exec: Authenticate fails with an uncoded Permission denied → 500
  const resolved = resolveRequest(ctx);
  if (!resolved) return refuse(500, 'Permission denied');
  const alloc = state.allocs.get(allocId);
  if (!alloc) return refuse(404, `Unknown allocation "${allocId}"`);
  if (!resolved.acl.allowNsAny(alloc.Namespace, ['alloc-exec'])) return refuse(500, 'Permission denied');
  if (isTerminalAlloc(alloc) && ['complete', 'failed', 'lost'].includes(alloc.ClientStatus)) {
    return refuse(400, `exec not possible, client status of allocation ${alloc.ID} is ${alloc.ClientStatus}`);
  }
  // the client's checks (execImpl)
  if (!task) return refuse(400, 'must provide task name');
  if (command.length === 0) return refuse(400, 'command is not present');
  const spec = alloc.Job.TaskGroups.find((g) => g.Name === alloc.TaskGroup)?.Tasks.find((t) => t.Name === task);
  // raw_exec has no filesystem isolation (drivers/rawexec/driver.go ~105): alloc-node-exec too (~330)
  if (spec?.Driver === 'raw_exec' && !resolved.acl.allowNsAny(alloc.Namespace, ['alloc-node-exec'])) return refuse(500, 'Permission denied');
  const ts = alloc.TaskStates[task];
  if (!ts || !spec) return refuse(400, `unknown task name "${task}"`);
  if (!ts.StartedAt || ts.StartedAt === ZERO_TIME) return refuse(404, `task "${task}" not started yet.`);
  if (ts.State !== 'running') return refuse(404, `task "${task}" is not running.`);

  const execId = randomUUID();
  // client/alloc_endpoint.go ~254–278: the client logs every session at INFO, the command included
  env.agentLog.write(
    'INFO',
    'client',
    'task exec session starting',
    { exec_id: execId, alloc_id: alloc.ID, task, command: `[${command.join(' ')}]`, tty: false, action: '', access_token_name: resolved.token.Name ?? '', access_token_id: resolved.token.AccessorID ?? '' },
    alloc.NodeID,
  );
  record.outcome = 'exited';
  const outcome = runCommand(state, alloc, spec, command);
  if (outcome.kind === 'start-error') {
    record.outcome = 'refused';
    return refuse(500, outcome.message);
  }
  const open = () => ws.readyState === ws.OPEN;
  const send = (frame: unknown) =>
    new Promise<void>((resolve) => {
      if (!open()) return resolve();
      ws.send(JSON.stringify(frame), () => resolve());
    });
  let code = 0;
  if (outcome.kind === 'sleep') {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, outcome.ms);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
  } else {
    code = outcome.code;
    await writeOut(state, alloc, 'stdout', outcome.stdout, send, open);
    if (outcome.stderr) await writeOut(state, alloc, 'stderr', [outcome.stderr], send, open);
  }
  if (!open()) return;
  await send({ stdout: { close: true } });
  await send({ stderr: { close: true } });
  exited = true;
  record.exitCode = code;
  // exit code 0 is left out (proto ExitResult exit_code omitempty)
  await send({ exited: true, result: code ? { exit_code: code } : {} });
  env.agentLog.write('INFO', 'client', 'task exec session ended', { exec_id: execId }, alloc.NodeID);
  // Nomad drops the connection with no close frame. End the socket (FIN after the frames) rather than destroy
  // it: a destroyed socket can answer with a reset, and a reset can discard frames the client has not read yet.
  const socket = (ws as unknown as { _socket?: { end(): void } })._socket;
  if (socket) socket.end();
  else ws.terminate();
  setTimeout(() => ws.terminate(), 5_000).unref();
}

/** Sends output in reads of at most 1024 bytes; a task log is read a piece at a time. */
async function writeOut(
  state: Env['state'],
  _alloc: Allocation,
  stream: 'stdout' | 'stderr',
  outs: Out[],
  send: (frame: unknown) => Promise<void>,
  open: () => boolean,
): Promise<void> {
  const frames = async (buf: Buffer) => {
    for (let i = 0; i < buf.length && open(); i += READ_SIZE) {
      await send({ [stream]: { data: buf.subarray(i, i + READ_SIZE).toString('base64') } });
    }
  };
  for (const out of outs) {
    if (typeof out === 'string') {
      await frames(Buffer.from(out));
      continue;
    }
    const size = state.logs.size(out.log);
    for (let pos = 0; pos < size && open(); pos += LOG_CHUNK) await frames(state.logs.read(out.log, pos, Math.min(size, pos + LOG_CHUNK)));
  }
}
