/**
 * Virtual task logs. Each (alloc, task, stream) file is a size plus a deterministic generator of
 * fixed-width lines, followed by an appended tail. Any byte range is produced on demand, so a
 * 1 GiB log costs nothing until a range of it is read, and reading the last lines generates only
 * those lines.
 */
import { EventEmitter } from 'node:events';

/**
 * Every generated line is exactly this many bytes, newline included: the complete text, then
 * spaces up to the width, then the newline. Timestamp (24) + tag (≤ JOB_TAG_MAX + 10) + level (7)
 * + the longest message (77 with a 9-digit line number) fit, so no message is ever cut.
 */
export const LINE_LEN = 160;

/** Longer job names are cut to this many characters (the last one `~`) in the line's tag. */
export const JOB_TAG_MAX = 40;

export type LogType = 'stdout' | 'stderr';
export type LogFlavour = 'web' | 'app';

export interface LogFile {
  allocId: string;
  task: string;
  type: LogType;
  job: string;
  flavour: LogFlavour;
  /** Size of the generated part. */
  virtualBytes: number;
  /** Time of generated line 0, in ms; lines are one second apart. */
  baseTimeMs: number;
  tail: Buffer;
  events: EventEmitter;
}

export type SavedLogFile = Omit<LogFile, 'events' | 'tail'> & { tail: string };

function key(allocId: string, task: string, type: string): string {
  return `${allocId}/${task}/${type}`;
}

/** A small integer hash so generated values vary but stay deterministic. */
function mix(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const PATHS = ['/', '/api/items', '/api/items/42', '/login', '/static/app.js', '/healthz', '/api/cart', '/search?q=nomad'];

function webStdout(i: number): [string, string] {
  if (i === 0) return ['INFO', 'nginx/1.27.0 starting worker processes'];
  if (i === 1) return ['INFO', 'listening on 0.0.0.0:8080'];
  if (i === 2) return ['INFO', 'loaded configuration from /local/nginx.conf'];
  const h = mix(i);
  const cycle = i % 250;
  // Fake secrets, so the product's redaction can be exercised against real-looking lines.
  if (cycle === 37) return ['DEBUG', 'db connect params host=db.internal DB_PASSWORD=hunter2'];
  if (cycle === 113) return ['DEBUG', 'proxy headers Authorization: Bearer abc.def.ghi'];
  if (cycle === 191) return ['DEBUG', 's3 sync with AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE'];
  const req = String(i).padStart(7, '0');
  if (i % 50 === 7) return ['WARN', `slow request ${req} GET ${PATHS[h % PATHS.length]} took ${1000 + (h % 4000)}ms`];
  const status = h % 40 === 0 ? 500 : h % 13 === 0 ? 404 : 200;
  return ['INFO', `request ${req} GET ${PATHS[h % PATHS.length]} served in ${(h % 180) + 2}ms status=${status}`];
}

function webStderr(i: number): [string, string] {
  if (i === 0) return ['WARN', 'worker_connections exceed open file resource limit: 1024'];
  const h = mix(i + 7919);
  const n = String(i).padStart(7, '0');
  if (h % 5 === 0) return ['ERROR', `event ${n} upstream timed out (110: Connection timed out) reading header`];
  return ['WARN', `event ${n} client closed connection while waiting for request`];
}

function appStdout(i: number): [string, string] {
  if (i === 0) return ['INFO', 'task started'];
  if (i === 1) return ['INFO', 'configuration loaded'];
  if (i === 2) return ['INFO', 'ready'];
  return ['INFO', `heartbeat ${String(i).padStart(7, '0')} ok queue_depth=${mix(i) % 20}`];
}

function appStderr(i: number): [string, string] {
  if (i === 0) return ['WARN', 'no TLS certificate configured; serving plain HTTP'];
  return ['WARN', `retrying upstream call ${String(i).padStart(7, '0')} after ${mix(i) % 900}ms`];
}

export class LogStore {
  private readonly files = new Map<string, LogFile>();
  /** Log bytes (decoded frame data and plain bytes) sent to clients since start. */
  bytesSent = 0;

  /** Creates the log files of a task with `lines` generated lines on stdout and `errLines` on stderr. */
  create(allocId: string, task: string, job: string, flavour: LogFlavour, lines: number, errLines: number, baseTimeMs: number): void {
    for (const [type, n] of [['stdout', lines], ['stderr', errLines]] as const) {
      const events = new EventEmitter();
      events.setMaxListeners(0);
      this.files.set(key(allocId, task, type), {
        allocId, task, type, job, flavour, virtualBytes: n * LINE_LEN, baseTimeMs, tail: Buffer.alloc(0), events,
      });
    }
  }

  /** Every file without its listeners, as JSON (the tail as base64), for a saved demo cluster. */
  save(): SavedLogFile[] {
    return [...this.files.values()].map(({ events: _events, tail, ...f }) => ({ ...f, tail: tail.toString('base64') }));
  }

  load(saved: SavedLogFile[]): void {
    for (const f of saved) {
      const events = new EventEmitter();
      events.setMaxListeners(0);
      this.files.set(key(f.allocId, f.task, f.type), { ...f, tail: Buffer.from(f.tail, 'base64'), events });
    }
  }

  get(allocId: string, task: string, type: string): LogFile | undefined {
    return this.files.get(key(allocId, task, type));
  }

  /** The file, created empty when the task exists but has no log yet. */
  ensure(allocId: string, task: string, type: LogType, job = 'job'): LogFile {
    let f = this.get(allocId, task, type);
    if (!f) {
      this.create(allocId, task, job, 'app', 0, 0, Date.now());
      f = this.get(allocId, task, type)!;
    }
    return f;
  }

  size(f: LogFile): number {
    return f.virtualBytes + f.tail.length;
  }

  append(allocId: string, task: string, type: LogType, text: string): void {
    const f = this.ensure(allocId, task, type);
    f.tail = Buffer.concat([f.tail, Buffer.from(text, 'utf8')]);
    f.events.emit('append');
  }

  /** Makes the generated part exactly `bytes` long and drops the appended tail. */
  setSize(allocId: string, task: string, type: LogType, bytes: number): void {
    const f = this.ensure(allocId, task, type);
    f.virtualBytes = Math.max(0, Math.floor(bytes));
    f.tail = Buffer.alloc(0);
    f.events.emit('truncate');
  }

  /** Generated line `i`: exactly LINE_LEN bytes of ASCII, a complete message padded with spaces before the newline. */
  line(f: LogFile, i: number): string {
    const gen = f.flavour === 'web' ? (f.type === 'stdout' ? webStdout : webStderr) : f.type === 'stdout' ? appStdout : appStderr;
    const [level, msg] = gen(i);
    const ts = new Date(f.baseTimeMs + i * 1000).toISOString();
    // Job IDs may hold any character; a line must stay one byte per character to keep its width.
    const job = f.job.replace(/[^\x20-\x7e]/g, '?');
    const tag = job.length <= JOB_TAG_MAX ? job : `${job.slice(0, JOB_TAG_MAX - 1)}~`;
    const text = `${ts} ${tag}[${f.allocId.slice(0, 8)}] ${level.padEnd(5)} ${msg}`;
    // The width fits every generator's longest message; the cut is only a guard.
    return (text.length > LINE_LEN - 1 ? text.slice(0, LINE_LEN - 1) : text.padEnd(LINE_LEN - 1)) + '\n';
  }

  /** Bytes [start, end) of the file; callers keep ranges small (a frame's worth). */
  read(f: LogFile, start: number, end: number): Buffer {
    const total = this.size(f);
    end = Math.min(end, total);
    if (start >= end) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    if (start < f.virtualBytes) {
      const vEnd = Math.min(end, f.virtualBytes);
      const first = Math.floor(start / LINE_LEN);
      const last = Math.ceil(vEnd / LINE_LEN);
      let text = '';
      for (let i = first; i < last; i++) text += this.line(f, i);
      const from = start - first * LINE_LEN;
      // Lines are ASCII except for what the generator never emits, so bytes = chars.
      parts.push(Buffer.from(text.slice(from, from + (vEnd - start)), 'latin1'));
    }
    if (end > f.virtualBytes) {
      const tStart = Math.max(start, f.virtualBytes) - f.virtualBytes;
      parts.push(f.tail.subarray(tStart, end - f.virtualBytes));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}
