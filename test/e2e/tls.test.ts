import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { ROOT, connectStdio } from './harness.js';
import { spawnServe } from './http-harness.js';

const TLS = path.join(ROOT, 'test', 'fixtures', 'tls');
const pem = (f: string) => readFileSync(path.join(TLS, f));
let sim: Simulator;
let proxy: https.Server;
let nomadTls: string;
const clientNames: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  const target = new URL(sim.url);
  // A TLS front for the simulator, as a Nomad agent with tls { http = true } would be; records client certificates.
  proxy = https.createServer({ key: pem('server.key'), cert: pem('server.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const cert = (req.socket as TLSSocket).getPeerCertificate();
    clientNames.push(cert?.subject?.CN ?? '');
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  nomadTls = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy?.close();
  await sim?.close();
});

describe('TLS to Nomad', () => {
  it('verifies with NOMAD_CACERT and presents the client certificate', async () => {
    const mcp = await connectStdio({
      NOMAD_ADDR: nomadTls,
      NOMAD_CACERT: path.join(TLS, 'ca.pem'),
      NOMAD_CLIENT_CERT: path.join(TLS, 'client.pem'),
      NOMAD_CLIENT_KEY: path.join(TLS, 'client.key'),
      NOMAD_TLS_SERVER_NAME: 'server.global.nomad',
    });
    try {
      const r = await mcp.call('list_jobs');
      expect(r.isError, r.text).toBe(false);
      expect(r.text).toMatch(/^web {2,}default {2,}service {2,}/m);
      expect(clientNames).toContain('nomad-mcp client');
    } finally {
      await mcp.close();
    }
  });

  it('without the CA: a clear certificate error; with NOMAD_SKIP_VERIFY it connects', async () => {
    const strict = await connectStdio({ NOMAD_ADDR: nomadTls });
    try {
      const r = await strict.call('list_jobs');
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/Cannot reach Nomad at https:\/\/127\.0\.0\.1:\d+ \(TLS: .*NOMAD_CACERT/);
    } finally {
      await strict.close();
    }
    const loose = await connectStdio({ NOMAD_ADDR: nomadTls, NOMAD_SKIP_VERIFY: 'true' });
    try {
      expect((await loose.call('list_jobs')).isError).toBe(false);
    } finally {
      await loose.close();
    }
  });

  it('a server name that does not match is named', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: nomadTls, NOMAD_CACERT: path.join(TLS, 'ca.pem'), NOMAD_TLS_SERVER_NAME: 'client.global.nomad' });
    try {
      const r = await mcp.call('list_jobs');
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/certificate name mismatch \(set NOMAD_TLS_SERVER_NAME\)|does not match|altnames/i);
    } finally {
      await mcp.close();
    }
  });
});

describe('TLS per cluster (clusters:)', () => {
  it('each profile connects with its own TLS settings; a profile without the CA fails alone, in words', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-tls-clusters-'));
    const config = path.join(dir, 'nomad-mcp.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        clusters: {
          secure: { address: nomadTls, caCert: path.join(TLS, 'ca.pem'), clientCert: path.join(TLS, 'client.pem'), clientKey: path.join(TLS, 'client.key'), tlsServerName: 'server.global.nomad' },
          // the same TLS front without the CA: its own pool, its own (missing) trust
          untrusted: { address: nomadTls },
          plain: { address: sim.url },
        },
      }),
    );
    const mcp = await connectStdio({ NOMAD_MCP_CONFIG: config });
    try {
      const before = clientNames.length;
      const secure = await mcp.call('list_jobs', { cluster: 'secure' });
      expect(secure.isError, secure.text).toBe(false);
      expect(secure.text).toMatch(/^web {2,}default {2,}service {2,}/m);
      expect(clientNames.slice(before)).toContain('nomad-mcp client');
      const untrusted = await mcp.call('list_jobs', { cluster: 'untrusted' });
      expect(untrusted.isError).toBe(true);
      expect(untrusted.text).toContain(`Cannot reach Nomad (untrusted) at ${nomadTls} (TLS: self-signed certificate`);
      expect(untrusted.text).toContain('(set clusters.untrusted.caCert)');
      expect((await mcp.call('list_jobs', { cluster: 'plain' })).isError).toBe(false);
    } finally {
      await mcp.close();
    }
  });
});

describe('serve --sse over HTTPS', () => {
  it('serves with --tls-cert/--tls-key', async () => {
    const srv = await spawnServe(['--tls-cert', path.join(TLS, 'server.pem'), '--tls-key', path.join(TLS, 'server.key')], { NOMAD_ADDR: sim.url });
    try {
      expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const dispatcher = new Agent({ connect: { ca: pem('ca.pem') } });
      const res = await fetch(`${srv.url}/api/tools/get_job`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: 'web' }),
        // @ts-expect-error undici's fetch option
        dispatcher,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { structured: { ID: string } }).structured.ID).toBe('web');
      await dispatcher.close();
    } finally {
      await srv.stop();
    }
  });
});
