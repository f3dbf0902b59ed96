/**
 * An allocation's directory as `nomad alloc fs` sees it: /v1/client/fs/ls, /stat, /cat and /readat
 * (command/agent/fs_endpoint.go, client/fs_endpoint.go, client/allocdir/alloc_dir.go, v1.9.7).
 *
 * The tree is built from the allocation: `alloc/{data,logs,tmp}` shared by the tasks (the logs are
 * the simulator's log files, `<task>.stdout.0`), and per task `<task>/{local,secrets,private,tmp}`;
 * files a scenario wrote (a rendered template) come from `state.allocFiles`.
 *
 * Errors, in Nomad's order and with its codes:
 * - the allocation first: `Unknown allocation "<id>"` 404 (ls: IsErrUnknownAllocation; streams: coded 404);
 * - then read-fs in its namespace: `Permission denied`, 403 (ls/stat through the HTTP layer's suffix
 *   rule, cat/readat coded StatusForbidden, client/fs_endpoint.go ~201);
 * - the path: `Path escapes the alloc directory` (alloc_dir.go ~386, the check of
 *   helper/escapingfs PathEscapesAllocViaRelative), and os errors `open|stat <abs>: no such file or
 *   directory`; ls and stat answer them 404 when they say "no such file or directory", else 500
 *   (fs_endpoint.go ~86); cat and readat answer every Stat error 400, and 400 `file "<p>" is a directory`.
 */
import { permissionDenied } from './acl.js';
import { coded, type Ctx, HttpError, invalidMethod, RESPONDED, sendBody } from './http.js';
import type { SimState } from './state.js';
import type { Allocation } from './types.js';

/** A file a scenario put in an allocation directory. */
export interface AllocFile {
  content: string;
  /** Modification time, Unix milliseconds. */
  modTimeMs: number;
}

/** The client's data dir: allocation directories are <data_dir>/alloc/<id>. */
const DATA_DIR = '/opt/nomad/data';

interface Entry {
  name: string;
  isDir: boolean;
  size: number;
  modTimeMs: number;
  mode: string;
  read?: () => Buffer;
}

/**
 * Go's filepath.Join + Clean of segments below a root: undefined when `..` climbs above the root.
 * Nomad's escape check joins the path to the placeholder "/alloc-dir/alloc-id" and asks whether the
 * result is still below it (escapingfs.PathEscapesAllocViaRelative).
 */
function cleanBelow(root: string[], path: string): string[] | undefined {
  const out = [...root];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length) out.pop();
      continue;
    }
    out.push(seg);
  }
  for (let i = 0; i < root.length; i++) if (out[i] !== root[i]) return undefined;
  return out.slice(root.length);
}

/** Whether Nomad refuses the path as escaping the allocation directory. */
export function escapesAllocDir(path: string): boolean {
  return cleanBelow(['alloc-dir', 'alloc-id'], path) === undefined;
}

const DIR_MODE = 'drwxrwxrwx';
const FILE_MODE = '-rw-r--r--';

/** Every directory and file of an allocation, by path relative to its directory ('' = the root). */
function tree(state: SimState, a: Allocation): Map<string, Entry> {
  const t0 = Math.floor(a.CreateTime / 1e6);
  const entries = new Map<string, Entry>();
  const dir = (p: string) => {
    if (entries.has(p)) return;
    const slash = p.lastIndexOf('/');
    if (p !== '') dir(slash < 0 ? '' : p.slice(0, slash));
    entries.set(p, { name: p.slice(slash + 1) || a.ID, isDir: true, size: 4096, modTimeMs: t0, mode: DIR_MODE });
  };
  const file = (p: string, size: number, modTimeMs: number, read: () => Buffer) => {
    const slash = p.lastIndexOf('/');
    dir(slash < 0 ? '' : p.slice(0, slash));
    entries.set(p, { name: p.slice(slash + 1), isDir: false, size, modTimeMs, mode: FILE_MODE, read });
  };
  dir('');
  for (const d of ['alloc/data', 'alloc/logs', 'alloc/tmp']) dir(d);
  for (const task of Object.keys(a.TaskStates)) {
    for (const d of ['local', 'secrets', 'private', 'tmp']) dir(`${task}/${d}`);
    for (const type of ['stdout', 'stderr'] as const) {
      const f = state.logs.get(a.ID, task, type);
      if (!f) continue;
      const size = state.logs.size(f);
      file(`alloc/logs/${task}.${type}.0`, size, Date.now(), () => state.logs.read(f, 0, size));
    }
  }
  for (const [p, f] of state.allocFiles.get(a.ID) ?? []) {
    const body = Buffer.from(f.content, 'utf8');
    file(p, body.length, f.modTimeMs, () => body);
  }
  return entries;
}

function info(e: Entry, withType: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Name: e.name, IsDir: e.isDir, Size: e.size, FileMode: e.mode, ModTime: new Date(e.modTimeMs).toISOString(),
  };
  // Stat sets ContentType (alloc_dir.go detectContentType); List leaves it empty
  out.ContentType = withType ? (e.isDir ? 'application/octet-stream' : 'text/plain; charset=utf-8') : '';
  return out;
}

type Op = 'ls' | 'stat' | 'cat' | 'readat' | 'stream';

/** The allocation's entry at `path`, or the error Nomad gives for that operation. */
function lookup(ctx: Ctx, a: Allocation, path: string, op: Op, osOp: string): Entry {
  const stream = op === 'cat' || op === 'readat';
  if (escapesAllocDir(path)) throw new HttpError(stream ? 400 : 500, 'Path escapes the alloc directory');
  const base = [...DATA_DIR.slice(1).split('/'), 'alloc', a.ID];
  const rel = cleanBelow([], `${base.join('/')}/${path}`);
  const abs = `/${(rel ?? []).join('/')}`;
  const inside = rel && base.every((s, i) => rel[i] === s) ? rel.slice(base.length).join('/') : undefined;
  const e = inside === undefined ? undefined : tree(ctx.state, a).get(inside);
  if (!e) throw new HttpError(stream ? 400 : 404, `${osOp} ${abs}: no such file or directory`);
  if (op === 'ls' && !e.isDir) throw new HttpError(500, `readdirent ${abs}: not a directory`);
  if (stream && e.isDir) throw coded(400, `file ${JSON.stringify(path)} is a directory`);
  return e;
}

/** /v1/client/fs/<op>/<alloc id> (FsRequest); /logs/ has its own route (logs.ts). */
export function allocFs(ctx: Ctx, rest: string): unknown {
  const slash = rest.indexOf('/');
  const op = (slash < 0 ? rest : rest.slice(0, slash)) as Op;
  if (!['ls', 'stat', 'cat', 'readat', 'stream'].includes(op) || slash < 0) throw coded(404, 'Invalid method');
  if (ctx.method !== 'GET') throw invalidMethod();
  const id = rest.slice(slash + 1);
  if (id === '') throw coded(400, 'must provide a valid alloc id');
  let path = ctx.q('path');
  if (op === 'ls' && path === '') path = '/';
  if (op !== 'ls' && path === '') throw coded(400, 'must provide a file name');
  let offset = 0;
  let limit = 0;
  if (op === 'readat') {
    // FileReadAtRequest: offset is required (strconv.ParseInt of ""), limit optional
    offset = parseGoInt(ctx.q('offset'), 'offset');
    if (ctx.q('limit') !== '') limit = parseGoInt(ctx.q('limit'), 'limit');
  }
  if (op === 'stream') throw coded(400, 'streaming a file is not simulated; use cat or readat');
  const a = ctx.state.allocs.get(id);
  if (!a) throw coded(404, `Unknown allocation "${id}"`);
  if (!ctx.acl.allowNsOp(a.Namespace, 'read-fs')) throw permissionDenied();
  if (op === 'ls') {
    const dir = lookup(ctx, a, path, op, 'open');
    void dir;
    const entries = tree(ctx.state, a);
    const prefix = cleanBelow([], path)!.join('/');
    const out: Record<string, unknown>[] = [];
    for (const [p, e] of entries) {
      if (p === '' || p === prefix) continue;
      const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      if (parent === prefix) out.push(info(e, false));
    }
    // os.ReadDir sorts by file name
    return out.sort((x, y) => (String(x.Name) < String(y.Name) ? -1 : 1));
  }
  const e = lookup(ctx, a, path, op, 'stat');
  if (op === 'stat') return info(e, true);
  let body = e.read!();
  if (op === 'readat') {
    const start = Math.max(0, Math.min(offset, body.length));
    body = body.subarray(start, limit > 0 ? Math.min(body.length, start + limit) : body.length);
  }
  // the stream handler writes the bytes with no content type: Go's sniffing labels text as text/plain
  sendBody(ctx, 200, 'text/plain; charset=utf-8', body, false);
  return RESPONDED;
}

/** strconv.ParseInt(v, 10, 64), failing as FileReadAtRequest does (an uncoded error: 500). */
function parseGoInt(v: string, what: string): number {
  if (!/^[+-]?\d{1,18}$/.test(v)) throw new HttpError(500, `error parsing ${what}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}
