/**
 * GET /v1/agent/monitor (command/agent/agent_endpoint.go AgentMonitor ~153, v1.9.7): the agent's own log
 * as it is written, framed like a log stream (concatenated `{"Data":"<base64>","FileEvent":"log"}`,
 * heartbeats `{}` while idle; nomad/client_agent_endpoint.go monitor ~209–281) or plain with plain=true.
 * The HTTP handler checks its parameters first (400s), then the RPC checks the token and agent:read.
 */
import { resolveRequest } from './acl.js';
import { LEVELS, type Level } from './agentlog.js';
import { coded, type Ctx, HttpError, RESPONDED, StreamWriter } from './http.js';

function goBool(name: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw coded(400, `Unknown option for ${name}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

export function agentMonitor(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  // go-hclog LevelFromString: trimmed, case-insensitive; anything else is NoLevel (~160)
  const asked = (ctx.q('log_level') || 'INFO').trim().toUpperCase();
  if (!LEVELS.includes(asked as Level)) throw coded(400, `Unknown log level: ${ctx.q('log_level')}`);
  const min = LEVELS.indexOf(asked as Level);
  if (ctx.q('log_json')) goBool('log json', ctx.q('log_json'));
  const plain = ctx.q('plain') ? goBool('plain', ctx.q('plain')) : false;
  const nodeId = ctx.q('node_id');
  if (nodeId && ctx.q('server_id')) throw coded(400, 'Cannot target node and server simultaneously'); // ~207

  const resolved = resolveRequest(ctx);
  const writerType = plain ? 'text/plain' : 'application/json';
  if (!resolved) {
    // Authenticate fails with an uncoded Permission denied (~145), which the HTTP handler does not
    // return (agent_endpoint.go ~287 only returns coded errors): the stream ends at once, empty.
    const w = new StreamWriter(ctx, writerType);
    w.end();
    return RESPONDED;
  }
  ctx.acl = resolved.acl;
  if (!ctx.acl.allowAgentRead()) throw new HttpError(403, 'Permission denied'); // ~154, coded 403
  if (nodeId) {
    // forwardMonitorClient → findClientConn (~487): an unknown node is an RPC-coded 404 inside a 500
    const node = ctx.state.nodes.get(nodeId);
    if (!node) throw new HttpError(500, `RPC Error:: 404,Unknown node "${nodeId}"`);
    if (node.Status === 'down') throw new HttpError(500, 'RPC Error:: 404,No path to node');
  }

  const writer = new StreamWriter(ctx, writerType);
  let lastWrite = Date.now();
  const log = ctx.env.agentLog;
  const unsubscribe = log.subscribe((line) => {
    if (LEVELS.indexOf(line.level) < min) return;
    if (nodeId && line.nodeId !== nodeId) return;
    lastWrite = Date.now();
    void writer.write(plain ? line.text : JSON.stringify({ Data: Buffer.from(line.text).toString('base64'), FileEvent: 'log' }));
  });
  // the stream framer's heartbeat: `{}` every second without data (client/lib/streamframer/framer.go ~197)
  const heartbeat = setInterval(() => {
    if (plain || writer.closed) return;
    if (Date.now() - lastWrite >= ctx.env.heartbeatMs * 0.9) {
      lastWrite = Date.now();
      void writer.write('{}');
    }
  }, ctx.env.heartbeatMs);
  writer.onClose(() => {
    clearInterval(heartbeat);
    unsubscribe();
  });
  return RESPONDED;
}
