import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { spawnServe } from './http-harness.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** A local OTLP/HTTP receiver: keeps every span posted to /v1/traces, and the raw bodies. */
async function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      bodies.push(body);
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, bodies, close: () => server.close() };
}

const attr = (s: OtlpSpan, key: string) => s.attributes.find((a) => a.key === key)?.value;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
});
afterAll(() => sim?.close());

describe('OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('exports a span per tool call with a child per Nomad request, and no argument values or tokens', async () => {
    const rx = await otlpReceiver();
    const srv = await spawnServe(['--auth-token', 'api-token-for-otel-test'], {
      NOMAD_ADDR: sim.url,
      NOMAD_TOKEN: 'server-nomad-token-otel',
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      const r = await fetch(`${srv.url}/api/tools/get_job`, {
        method: 'POST',
        headers: { authorization: 'Bearer api-token-for-otel-test', 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: 'web' }),
      });
      expect(r.status).toBe(200);
      // spans leave in batches: wait for them (bounded by the test's timeout), no timing asserted
      while (!rx.spans.some((s) => s.name === 'GET /v1/job/:id')) await new Promise((res) => setTimeout(res, 50));
      const call = rx.spans.find((s) => s.name === 'tools/call get_job')!;
      expect(call).toBeDefined();
      expect(call.kind).toBe(2); // SERVER
      expect(attr(call, 'gen_ai.tool.name')).toEqual({ stringValue: 'get_job' });
      expect(attr(call, 'mcp.outcome')).toEqual({ stringValue: 'ok' });
      const child = rx.spans.find((s) => s.name === 'GET /v1/job/:id')!;
      expect(child.kind).toBe(3); // CLIENT
      expect(child.traceId).toBe(call.traceId);
      expect(child.parentSpanId).toBe(call.spanId);
      expect(attr(child, 'http.response.status_code')).toEqual({ intValue: 200 });
      const all = rx.bodies.join('\n');
      expect(all).toContain('"nomad-mcp"');
      for (const secret of ['api-token-for-otel-test', 'server-nomad-token-otel', '"web"', '/v1/job/web']) expect(all).not.toContain(secret);
    } finally {
      await srv.stop();
      rx.close();
    }
  }, 60_000);
});
