import { EventEmitter } from 'node:events';

/**
 * What aborts one upstream request: its deadline or its caller. undici takes an EventEmitter as a request's
 * `signal` (it reads `aborted` and `reason` and listens for 'abort'). On Node 20 every AbortSignal created
 * survives the young-generation collections of its request and is promoted to the old generation, so one
 * AbortController per Nomad request was a steady part of the old-space garbage of every call (measured with
 * `--trace-gc-nvp`); an EventEmitter dies young.
 */
export class RequestAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
