/**
 * One caller cannot exhaust the upstream connections (issue 10, finding 5): long streams run on their
 * own bounded connections, each caller has a cap on concurrent streams and calls, and a short call of
 * another caller is answered while the streams are open.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { eventually } from '../sim/helpers.js';
import { type Served, spawnServe } from './http-harness.js';

const TOKEN_A = 'caller-a-token-0123456789';
const TOKEN_B = 'caller-b-token-0123456789';
/** The default caps (README, configuration). */
const STREAMS_PER_CLIENT = 4;
const CALLS_PER_CLIENT = 16;
/** Connections of the upstream pool that every call shared before streams had their own. */
const SHARED_POOL = 32;

let sim: Simulator;
let srv: Served;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  srv = await spawnServe(['--auth-token', TOKEN_A, '--auth-token', TOKEN_B], { NOMAD_ADDR: sim.url });
});
afterAll(async () => {
  await srv?.stop();
  await sim?.close();
});

async function connect(token: string, url = srv.url): Promise<Client> {
  const client = new Client({ name: 'concurrency-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

interface Follow {
  abort: AbortController;
  /** Resolves with the answer, or with 'cancelled' when aborted. */
  done: Promise<CallToolResult | 'cancelled'>;
}

function follow(client: Client, seconds: number, onEnd: (r: CallToolResult | 'cancelled') => void): Follow {
  const abort = new AbortController();
  const done = client
    .callTool({ name: 'follow_job_logs', arguments: { job_id: 'web', seconds } }, undefined, { signal: abort.signal, timeout: 120_000 })
    .then((r) => r as CallToolResult, () => 'cancelled' as const)
    .then((r) => {
      onEnd(r);
      return r;
    });
  return { abort, done };
}

const refusal = /too many concurrent/i;

describe('concurrency caps and separate stream connections', () => {
  it("answers another caller's list_jobs while one caller holds many log follows, refuses that caller beyond its caps, and frees its slots when its streams end", async () => {
    const a = await connect(TOKEN_A);
    const b = await connect(TOKEN_B);
    const events: string[] = [];
    const refused: string[] = [];
    const follows = Array.from({ length: 40 }, () =>
      follow(a, 20, (r) => {
        if (r !== 'cancelled' && r.isError && refusal.test(text(r))) refused.push(text(r));
        else events.push('A stream ended');
      }),
    );
    // Every follow is either streaming or refused, or the shared pool is full of streams: B's call now
    // finds no free connection unless streams have their own.
    await eventually(() => refused.length + sim.openStreams() >= Math.min(follows.length, SHARED_POOL), 20_000);

    const listed = (await b.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
    events.push('B answered');
    expect(listed.isError).toBeFalsy();
    expect(text(listed)).toMatch(/^web {2,}default {2,}service {2,}/m);
    expect(events[0]).toBe('B answered');

    // A was refused at once beyond its caps, with a clear error, not queued: while its streams are open.
    await eventually(() => refused.length === follows.length - STREAMS_PER_CLIENT && sim.openStreams() === STREAMS_PER_CLIENT, 10_000);
    expect(events).toEqual(['B answered']);
    // (the call cap refuses some of them too when enough arrive at once; test/host/concurrency.test.ts pins it)
    const callCap = new RegExp(`^too many concurrent calls for this client \\(${CALLS_PER_CLIENT}\\); wait for one to finish\\.$`, 'i');
    const streamCap = new RegExp(`^too many concurrent log follows, event streams or waits for this client \\(${STREAMS_PER_CLIENT}\\); wait for one to finish or cancel it\\.$`, 'i');
    for (const t of refused) expect(t).toMatch(t.includes('calls') ? callCap : streamCap);
    expect(refused.some((t) => streamCap.test(t))).toBe(true);

    // Cancelled streams give their slots back: A may follow again, up to its cap.
    for (const f of follows) f.abort.abort();
    await Promise.all(follows.map((f) => f.done));
    await eventually(() => sim.openStreams() === 0, 10_000);
    const again = Array.from({ length: STREAMS_PER_CLIENT }, () => follow(a, 1, () => {}));
    const answers = await Promise.all(again.map((f) => f.done));
    for (const r of answers) {
      expect(r).not.toBe('cancelled');
      expect((r as CallToolResult).isError, text(r as CallToolResult)).toBeFalsy();
    }
    // ... and so do streams that ended on their own.
    const third = await Promise.all(Array.from({ length: STREAMS_PER_CLIENT }, () => follow(a, 1, () => {}).done));
    for (const r of third) expect((r as CallToolResult).isError, text(r as CallToolResult)).toBeFalsy();

    await a.close();
    await b.close();
  }, 90_000);

  it('keeps short calls off the stream connections even when the streams outnumber the short pool, and caps streams in total', async () => {
    // caps raised so that one caller alone holds more streams than the short pool has connections
    const total = SHARED_POOL + 4;
    const wide = await spawnServe(['--auth-token', TOKEN_A, '--auth-token', TOKEN_B], {
      NOMAD_ADDR: sim.url,
      NOMAD_MCP_MAX_CALLS_PER_CLIENT: '100',
      NOMAD_MCP_MAX_STREAMS_PER_CLIENT: '100',
      NOMAD_MCP_MAX_STREAMS: String(total),
    });
    try {
      const a = await connect(TOKEN_A, wide.url);
      const b = await connect(TOKEN_B, wide.url);
      const events: string[] = [];
      const refused: string[] = [];
      const follows = Array.from({ length: total + 4 }, () =>
        follow(a, 20, (r) => {
          if (r !== 'cancelled' && r.isError && /maximum of/.test(text(r))) refused.push(text(r));
          else events.push('A stream ended');
        }),
      );
      await eventually(() => refused.length === 4 && sim.openStreams() === total, 20_000);
      expect(refused[0]).toMatch(new RegExp(`^The server has its maximum of ${total} log follows, event streams and waits open \\(all clients together\\)`));

      const listed = (await b.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
      events.push('B answered');
      expect(listed.isError).toBeFalsy();
      expect(events[0]).toBe('B answered');
      expect(sim.openStreams()).toBe(total);

      for (const f of follows) f.abort.abort();
      await Promise.all(follows.map((f) => f.done));
      await eventually(() => sim.openStreams() === 0, 10_000);
      await a.close();
      await b.close();
    } finally {
      await wide.stop();
    }
  }, 90_000);
});
