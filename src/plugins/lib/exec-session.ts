/**
 * One non-interactive command through Nomad's exec websocket (GET /v1/client/allocation/:id/exec?task=
 * &command=<JSON array>&tty=false, api/allocations_exec.go startConnection ~92–100). Frames are JSON text
 * messages (api/allocations.go ~599–636; the server encodes drivers.ExecTaskStreamingResponseMsg with
 * omitempty tags, plugins/drivers/proto/driver.pb.go ~1394, ~1598, ~3120):
 *   in:  {"stdin":{"data":"<base64>"}}, {"stdin":{"close":true}}
 *   out: {"stdout":{"data":"<base64>"}}, {"stdout":{"close":true}}, the same for stderr, and last
 *        {"exited":true,"result":{"exit_code":N}} (exit code 0 is omitted: `"result":{}`).
 * Nomad reports errors after the upgrade as a close frame whose reason is the error text
 * (command/agent/alloc_endpoint.go execStreamHandleError ~768), and after the exit frame simply drops the
 * connection (ws.Close() ~760), so the exit frame, not a clean close, marks success.
 */
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';

/** Output of one stream, keeping the first `max` bytes and counting the rest. */
export class Capture {
  private readonly chunks: Buffer[] = [];
  kept = 0;
  total = 0;
  constructor(private readonly max: number) {}

  push(data: Buffer): void {
    this.total += data.length;
    const room = this.max - this.kept;
    if (room <= 0) return;
    const part = data.length > room ? data.subarray(0, room) : data;
    this.chunks.push(part);
    this.kept += part.length;
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  /** The kept bytes as text (a multi-byte character cut by the cap is dropped). */
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? s.replace(/\uFFFD$/, '') : s;
  }
}

export interface ExecRequest {
  /** The encoded path `/v1/client/allocation/<id>/exec`. */
  path: string;
  task: string;
  command: string[];
  timeoutMs: number;
  /** Bytes kept of each of stdout and stderr. */
  maxBytes: number;
}

export interface ExecOutcome {
  /** How the session ended: the command exited, the time ran out (we closed the socket). */
  ended: 'exited' | 'timeout';
  exitCode?: number;
  stdout: Capture;
  stderr: Capture;
}

interface OutFrame {
  stdout?: { data?: string; close?: boolean };
  stderr?: { data?: string; close?: boolean };
  exited?: boolean;
  result?: { exit_code?: number; signal?: number; oom_killed?: boolean };
}

/** Normal closure: we are done with the session. */
const CLOSE_NORMAL = 1000;

/**
 * Runs the command and resolves with its exit code and output. Nomad's errors (refusal, unknown
 * allocation or task, terminal allocation) reject with a ToolError; cancellation closes the socket and
 * rejects with "The request was cancelled."; the timeout closes the socket and resolves `timeout`.
 */
export async function runExec(ctx: ToolContext, req: ExecRequest): Promise<ExecOutcome> {
  const stdout = new Capture(req.maxBytes);
  const stderr = new Capture(req.maxBytes);
  const socket = await ctx.nomad.websocket(req.path, {
    query: { task: req.task, command: JSON.stringify(req.command), tty: false },
    signal: ctx.signal,
  });
  return new Promise<ExecOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (socket.readyState === socket.CONNECTING || socket.readyState === socket.OPEN) socket.close(CLOSE_NORMAL);
      fn();
    };
    const timer = setTimeout(() => finish(() => resolve({ ended: 'timeout', stdout, stderr })), req.timeoutMs);
    const onAbort = () => finish(() => reject(new ToolError('The request was cancelled.', 'caller')));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) onAbort();

    socket.on('open', () => {
      // no input: the command's stdin is closed at once, as `nomad alloc exec` does at EOF (api/allocations_exec.go ~166)
      socket.send(JSON.stringify({ stdin: { close: true } }));
    });
    socket.on('message', (data: Buffer) => {
      let frame: OutFrame;
      try {
        frame = JSON.parse(data.toString('utf8')) as OutFrame;
      } catch {
        finish(() => reject(new ToolError('Nomad sent an exec frame that is not JSON.', 'upstream')));
        return;
      }
      if (frame.stdout?.data) stdout.push(Buffer.from(frame.stdout.data, 'base64'));
      if (frame.stderr?.data) stderr.push(Buffer.from(frame.stderr.data, 'base64'));
      if (frame.exited && frame.result) {
        const exitCode = frame.result.exit_code ?? 0;
        finish(() => resolve({ ended: 'exited', exitCode, stdout, stderr }));
      }
    });
    socket.on('close', (code: number, why: Buffer) => {
      const e = { code, reason: why.toString('utf8') };
      if (e.reason) finish(() => reject(ctx.nomad.closeError(e.code, e.reason, req.path)));
      else {
        finish(() =>
          reject(
            new ToolError(
              `Nomad closed the exec connection (code ${e.code}) before the command exited; a proxy in front of Nomad may not pass websockets, or the node went away.`,
              'upstream',
            ),
          ),
        );
      }
    });
  });
}
