import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, spawnServe } from './http-harness.js';

// A caller's regular expression must not stall the shared server: `(.|.)*Q` backtracks
// exponentially on a backtracking engine (the event loop blocked for minutes, /healthz silent).
// Patterns run on RE2, linear in the text; what RE2 cannot run is a tool error naming it.
const EVIL = { job_id: 'web', pattern: '(.|.)*Q', lines: 1 };

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

for (const mode of [[], ['--read-only']]) {
  describe(`a catastrophic pattern on serve --sse --demo ${mode.join(' ')}`, () => {
    let srv: Served;
    let client: Client;
    beforeAll(async () => {
      srv = await spawnServe(['--demo', '--no-watch', ...mode], {});
      client = new Client({ name: 'regex-e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    });
    afterAll(async () => {
      await client?.close().catch(() => undefined);
      // a server whose event loop is blocked never handles SIGTERM
      srv?.proc.kill('SIGKILL');
    });

    it('answers /healthz while the search is outstanding, and the search ends with an answer', { timeout: 30_000 }, async () => {
      const events: string[] = [];
      const call = client.callTool({ name: 'search_job_logs', arguments: EVIL }).then((r) => {
        events.push('call answered');
        return r as CallToolResult;
      });
      events.push('healthz sent');
      const health = await fetch(`${srv.url}/healthz`).then((r) => {
        events.push('healthz answered');
        return r.status;
      });
      const r = await call;
      expect(health).toBe(200);
      // sent while the call was outstanding; both answered (on a backtracking engine neither is)
      expect(events[0]).toBe('healthz sent');
      expect(events).toHaveLength(3);
      expect(r.isError).toBeFalsy();
      expect(text(r)).toMatch(/(?:^No line of job web matches|lines? of job web match(?:es)?) \/\(\.\|\.\)\*Q\/i in the last 1 lines/);
      // the server still serves
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    });

    it('other exponential patterns answer too', { timeout: 30_000 }, async () => {
      for (const pattern of ['(a+)+$', '(a|aa)*b', '(x+x+)+y', '.*.*.*=.*', '^(([a-z])+.)+[A-Z]([a-z])+$']) {
        const r = (await client.callTool({ name: 'search_job_logs', arguments: { job_id: 'web', pattern, lines: 50 } })) as CallToolResult;
        expect([pattern, r.isError ?? false]).toEqual([pattern, false]);
      }
    });
  });
}

describe('patterns the linear-time engine cannot run', () => {
  let srv: Served;
  let client: Client;
  beforeAll(async () => {
    srv = await spawnServe(['--demo', '--no-watch', '--read-only'], {});
    client = new Client({ name: 'regex-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await srv?.stop();
  });

  it('are tool errors that name the construct', async () => {
    const cases: [string, string][] = [
      ['(a)\\1', 'a backreference (\\1)'],
      ['(?<x>a)\\k<x>', 'a named backreference (\\k<…>)'],
      ['foo(?=bar)', 'a lookahead ((?=…))'],
      ['foo(?!bar)', 'a negative lookahead ((?!…))'],
      ['(?<=foo)bar', 'a lookbehind ((?<=…))'],
      ['(?<!foo)bar', 'a negative lookbehind ((?<!…))'],
      ['(?>a+)b', 'an atomic group ((?>…))'],
      ['a++', 'a possessive quantifier (++)'],
      ['a{2}+', 'a possessive quantifier (}+)'],
    ];
    for (const [pattern, construct] of cases) {
      const r = (await client.callTool({ name: 'search_job_logs', arguments: { job_id: 'web', pattern } })) as CallToolResult;
      expect([pattern, r.isError]).toEqual([pattern, true]);
      expect(text(r)).toBe(`The pattern uses ${construct}, which this server does not support: patterns run on a linear-time engine (RE2 syntax).`);
    }
    // what RE2 does run, including JavaScript forms it translates, still works
    for (const pattern of ['(?<word>err)or', '\\u0065rror|timeout', '[^]', 'a{2}\\+']) {
      const r = (await client.callTool({ name: 'search_job_logs', arguments: { job_id: 'web', pattern, lines: 5 } })) as CallToolResult;
      expect([pattern, r.isError ?? false, text(r)]).toEqual([pattern, false, expect.stringContaining('job web')]);
    }
  });
});
