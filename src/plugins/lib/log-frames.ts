/**
 * Incremental decoder of Nomad's framed log stream (GET /v1/client/fs/logs/:alloc without plain=true):
 * JSON objects concatenated with no separator, `{"Offset":N,"Data":"<base64>","File":"…","FileEvent":"…"}`
 * with empty fields omitted, and heartbeats `{}`. Chunks may split a frame anywhere (even inside a
 * string or a multi-byte character); the decoder buffers until a frame's closing brace.
 */

export interface LogFrame {
  /** File position at the end of this frame's data. */
  offset?: number;
  /** Decoded bytes (empty for heartbeats and file events). */
  data: Buffer;
  /** `alloc/logs/<task>.<type>.<n>`. */
  file?: string;
  /** `file deleted` or `file truncated`. */
  fileEvent?: string;
  /** True for the `{}` Nomad sends every second while idle. */
  heartbeat: boolean;
}

export interface FrameDecoderOptions {
  /** Emit heartbeat frames too (default false). */
  heartbeats?: boolean;
  /** Refuse a single frame larger than this many bytes (default 1 MiB; Nomad's are ≤ ~90 KiB). */
  maxFrameBytes?: number;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class FrameDecoderError extends Error {
  override name = 'FrameDecoderError';
}

/** Feed Buffer chunks with `push`; it returns the frames completed by that chunk. */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private readonly heartbeats: boolean;
  private readonly maxFrameBytes: number;
  /** Frames decoded so far, heartbeats included. */
  framesSeen = 0;

  constructor(opts: FrameDecoderOptions = {}) {
    this.heartbeats = opts.heartbeats ?? false;
    this.maxFrameBytes = opts.maxFrameBytes ?? 1024 * 1024;
  }

  push(chunk: Buffer | Uint8Array | string): LogFrame[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    const out: LogFrame[] = [];
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (this.depth === 0) {
        if (isSpace(b)) continue;
        if (b !== OPEN) {
          throw new FrameDecoderError(`unexpected byte 0x${b.toString(16)} between log frames`);
        }
        this.depth = 1;
        this.inString = false;
        this.escaped = false;
        start = i;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN) this.depth++;
      else if (b === CLOSE) {
        this.depth--;
        if (this.depth === 0) {
          const part = buf.subarray(start, i + 1);
          const raw = this.pending.length ? Buffer.concat([...this.pending, part]) : part;
          this.pending = [];
          this.pendingBytes = 0;
          start = -1;
          const frame = parseFrame(raw);
          this.framesSeen++;
          if (!frame.heartbeat || this.heartbeats) out.push(frame);
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const rest = buf.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxFrameBytes) {
        throw new FrameDecoderError(`a log frame is larger than ${this.maxFrameBytes} bytes`);
      }
      // Copy: the caller may reuse its chunk buffers.
      this.pending.push(Buffer.from(rest));
    }
    return out;
  }

  /** True when no partial frame is buffered (a clean end of stream). */
  get idle(): boolean {
    return this.depth === 0;
  }

  /** Call at the end of the stream: throws if it stopped inside a frame. */
  end(): void {
    if (this.depth !== 0) {
      const n = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      this.depth = 0;
      throw new FrameDecoderError(`the log stream ended inside a frame (${n} bytes buffered)`);
    }
  }
}

interface RawFrame {
  Offset?: number;
  Data?: string;
  File?: string;
  FileEvent?: string;
}

function parseFrame(raw: Buffer): LogFrame {
  let f: RawFrame;
  try {
    f = JSON.parse(raw.toString('utf8')) as RawFrame;
  } catch (err) {
    throw new FrameDecoderError(`a log frame is not valid JSON: ${(err as Error).message}`);
  }
  const data = f.Data ? Buffer.from(f.Data, 'base64') : Buffer.alloc(0);
  const heartbeat = f.Offset === undefined && !f.Data && !f.File && !f.FileEvent;
  const frame: LogFrame = { data, heartbeat };
  if (f.Offset !== undefined) frame.offset = f.Offset;
  if (f.File) frame.file = f.File;
  if (f.FileEvent) frame.fileEvent = f.FileEvent;
  return frame;
}

/** Decodes frame data into text across frames without breaking multi-byte characters. */
export class FrameText {
  private readonly decoder = new TextDecoder('utf-8');
  write(frame: LogFrame): string {
    return frame.data.length ? this.decoder.decode(frame.data, { stream: true }) : '';
  }
  end(): string {
    return this.decoder.decode();
  }
}
