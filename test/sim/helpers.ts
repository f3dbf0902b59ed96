/** Small helpers for the simulator tests: JSON calls and a decoder for concatenated log frames. */
import { startSimulator, type SimOptions, type Simulator } from '../../src/sim/index.js';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export async function call<T = any>(sim: Simulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const res = await fetch(sim.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

export function start(opts: SimOptions = {}): Promise<Simulator> {
  // Long deployments so background timers don't move the index under the tests. Evaluations are
  // processed at once here: these tests check what the scheduler decides; orders.test.ts checks that
  // a fresh evaluation is pending (the default, as in Nomad).
  return startSimulator({ port: 0, deploymentMs: 60_000, evalDelayMs: 0, ...opts });
}

export interface Frame {
  Offset?: number;
  Data?: string;
  File?: string;
  FileEvent?: string;
}

/** Splits JSON objects concatenated without separators. */
export function splitFrames(body: string): Frame[] {
  const frames: Frame[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      frames.push(JSON.parse(body.slice(start, i + 1)) as Frame);
    }
  }
  return frames;
}

export function frameData(frames: Frame[]): string {
  return frames.map((f) => (f.Data ? Buffer.from(f.Data, 'base64').toString('latin1') : '')).join('');
}

/** A minimal job in api.Job form. */
export function simpleJob(id: string, extra: Record<string, unknown> = {}, group: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ID: id,
    Name: id,
    Type: 'service',
    Datacenters: ['dc1'],
    TaskGroups: [{
      Name: 'g',
      Count: 2,
      Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'busybox:1' }, Resources: { CPU: 100, MemoryMB: 128 } }],
      ...group,
    }],
    ...extra,
  };
}

/** Reads a streaming body until `until` matches the accumulated text or the time runs out. */
export async function readUntil(res: Response, until: (text: string) => boolean, ms = 3000): Promise<string> {
  const reader = res.body!.getReader();
  let text = '';
  const deadline = Date.now() + ms;
  while (!until(text) && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) => setTimeout(() => r({ done: true, value: undefined }), Math.max(1, deadline - Date.now()))),
    ]);
    if (chunk.done) break;
    text += Buffer.from(chunk.value).toString('latin1');
  }
  reader.releaseLock();
  return text;
}

/** Waits until cond() holds (polling), failing after ms. */
export async function eventually(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
