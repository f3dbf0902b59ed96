/**
 * GET /v1/client/fs/logs/:alloc_id — task logs, framed (concatenated JSON StreamFrames with
 * base64 data, ≤ 64 KiB each, Offset = file position after the frame) or plain, optionally
 * following the file with `{}` heartbeats. Bodies are streamed from the virtual log store.
 */
import { permissionDenied } from './acl.js';
import { coded, type Ctx, RESPONDED, StreamWriter } from './http.js';
import { ZERO_TIME } from './ids.js';
import type { LogType } from './logstore.js';

/** Largest data payload of one frame, as Nomad's stream framer. */
export const FRAME_SIZE = 64 * 1024;

function parseBool(name: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw coded(400, `failed to parse ${name} field to boolean: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

export async function logsEndpoint(ctx: Ctx, allocID: string): Promise<unknown> {
  ctx.requireMethod('GET');
  if (!allocID) throw coded(400, 'must provide a valid alloc id');
  const task = ctx.q('task');
  if (!task) throw coded(400, 'must provide task name');
  const follow = ctx.q('follow') ? parseBool('follow', ctx.q('follow')) : false;
  const plain = ctx.q('plain') ? parseBool('plain', ctx.q('plain')) : false;
  const type = ctx.q('type');
  if (type !== 'stdout' && type !== 'stderr') throw coded(400, 'must provide log type (stdout/stderr)');
  let offset = 0;
  const offsetText = ctx.q('offset');
  if (offsetText) {
    if (!/^[+-]?\d+$/.test(offsetText)) {
      throw coded(400, `error parsing offset: strconv.ParseInt: parsing ${JSON.stringify(offsetText)}: invalid syntax`);
    }
    offset = Number(offsetText);
  }
  const origin = ctx.q('origin') || 'start';
  if (origin !== 'start' && origin !== 'end') throw coded(400, 'origin must be start or end');

  const state = ctx.state;
  const alloc = state.allocs.get(allocID);
  if (!alloc) throw coded(404, `Unknown allocation "${allocID}"`);
  // FileSystem.Logs: read-logs or read-fs in the allocation's namespace; the error carries no code,
  // so the HTTP layer answers 500 (nomad/client_fs_endpoint.go ~401, client/fs_endpoint.go ~387)
  if (!ctx.acl.allowNsAny(alloc.Namespace, ['read-fs', 'read-logs'])) throw permissionDenied(500);
  const ts = alloc.TaskStates[task];
  if (!ts) throw coded(400, `unknown task name "${task}"`);
  if (!ts.StartedAt || ts.StartedAt === ZERO_TIME) throw coded(404, `task "${task}" not started yet. No logs available`);

  const store = state.logs;
  const file = store.ensure(allocID, task, type as LogType, alloc.JobID);
  const fileName = `alloc/logs/${task}.${type}.0`;
  const size0 = store.size(file);
  let pos = origin === 'end' ? Math.max(0, size0 - offset) : Math.min(Math.max(0, offset), size0);

  const writer = new StreamWriter(ctx, plain ? 'text/plain' : 'application/json');
  let lastWrite = Date.now();
  let pending: string | undefined;

  const send = async (data: Buffer): Promise<void> => {
    store.bytesSent += data.length;
    lastWrite = Date.now();
    if (plain) await writer.write(data);
    else await writer.write(JSON.stringify({ Offset: pos, Data: data.toString('base64'), File: fileName }));
  };

  /** Sends everything between pos and the current end of file. */
  const pump = async (): Promise<void> => {
    if (pending && !plain) {
      await writer.write(JSON.stringify({ Offset: pos || undefined, File: fileName, FileEvent: pending }));
      pending = undefined;
    }
    for (;;) {
      if (writer.closed) return;
      const size = store.size(file);
      if (pos >= size) return;
      const end = Math.min(size, pos + FRAME_SIZE);
      const data = store.read(file, pos, end);
      pos = end;
      await send(data);
    }
  };

  await pump();
  if (!follow) {
    writer.end();
    return RESPONDED;
  }

  let running: Promise<void> | undefined;
  let again = false;
  const kick = () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await pump();
      } while (again && !writer.closed);
      running = undefined;
    })();
  };
  const onAppend = () => kick();
  const onTruncate = () => {
    pos = Math.min(pos, store.size(file));
    pending = 'file truncated';
    kick();
  };
  file.events.on('append', onAppend);
  file.events.on('truncate', onTruncate);
  const heartbeat = setInterval(() => {
    if (plain || running || writer.closed) return;
    if (Date.now() - lastWrite >= ctx.env.heartbeatMs * 0.9) {
      lastWrite = Date.now();
      void writer.write('{}');
    }
  }, ctx.env.heartbeatMs);
  writer.onClose(() => {
    clearInterval(heartbeat);
    file.events.off('append', onAppend);
    file.events.off('truncate', onTruncate);
  });
  return RESPONDED;
}
