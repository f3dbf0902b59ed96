import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TrustedProxies, clientAddress } from '../../src/host/transports/client-address.js';

const req = (remote: string, xff?: string | string[]) => ({ socket: { remoteAddress: remote }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);

  it('is the socket address when the socket is not a trusted proxy, whatever the header says', () => {
    expect(clientAddress(req('192.0.2.1', '203.0.113.7'), proxies)).toBe('192.0.2.1');
    expect(clientAddress(req('192.0.2.1', '203.0.113.7'))).toBe('192.0.2.1');
  });

  it('takes the nearest untrusted hop, right to left', () => {
    expect(clientAddress(req('10.1.2.3', '203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(req('10.1.2.3', '198.51.100.1, 203.0.113.7, 10.9.9.9'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(req('::ffff:127.0.0.1', '::ffff:203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(req('fd00::1', ['2001:db8::5', 'fd00::2']), proxies)).toBe('2001:db8::5');
  });

  it('falls back to the proxy when the header is missing, malformed or oversized', () => {
    expect(clientAddress(req('10.1.2.3'), proxies)).toBe('10.1.2.3');
    expect(clientAddress(req('10.1.2.3', 'not-an-address'), proxies)).toBe('10.1.2.3');
    expect(clientAddress(req('10.1.2.3', `${'1.1.1.1,'.repeat(1000)}203.0.113.7`), proxies)).toBe('10.1.2.3');
  });

  it('names a malformed entry', () => {
    expect(() => new TrustedProxies(['10.0.0.0/33'])).toThrow('"10.0.0.0/33"');
    expect(() => new TrustedProxies(['proxy.local'])).toThrow('not an IP address or CIDR');
  });
});
