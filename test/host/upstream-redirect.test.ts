import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamRegistry } from '../../src/host/upstream.js';

/** Something in front of Nomad that redirects (Nomad itself never answers 3xx), with a body it streams slowly. */
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(307, { location: 'http://elsewhere.example/v1/x?token=secret', 'content-type': 'text/plain' });
    res.write('redirecting…');
    // the body never ends: the client must drop it without an unhandled error
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('a 3xx on a stream request', () => {
  it('is a clear error, the body is dropped without an unhandled error, and the stream slot is released', async () => {
    const ups = new UpstreamRegistry({ nomad: { url, label: 'Nomad' } as never }, 5000, { perClient: 1, total: 1 });
    const u = ups.get('nomad').with({}, { caller: 'alice' });
    for (let i = 0; i < 3; i++) {
      // with one slot per client, a leaked slot would refuse the second attempt with a different error
      await expect(u.stream('/v1/client/fs/logs/a', { long: true })).rejects.toThrow(/answered 307 redirect to http:\/\/elsewhere\.example\/v1\/x/);
    }
    await ups.close();
  });
});
