import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { corsOrigin, originPolicy, originProblem, parseAuthority } from '../../src/host/transports/auth.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('parseAuthority', () => {
  it.each([
    ['localhost', { host: 'localhost' }],
    ['LocalHost:8000', { host: 'localhost', port: '8000' }],
    ['[::1]:8000', { host: '[::1]', port: '8000' }],
    ['[::1]', { host: '[::1]' }],
    ['mcp.example.com:0443', { host: 'mcp.example.com', port: '443' }],
  ])('%s', (text, expected) => expect(parseAuthority(text)).toEqual(expected));

  it.each(['', ':80', 'a:b', 'a:123456', 'a:70000', 'user@host', 'a/b', '[::1', '[::1]x', 'host:'])('refuses %j', (text) => {
    expect(parseAuthority(text)).toBeUndefined();
  });

  it('is linear on a long hostile Host header', () => {
    expect(parseAuthority(`${'a'.repeat(1_000_000)}:${'9'.repeat(1_000_000)}`)).toBeUndefined();
  });
});

describe('originProblem on a non-loopback bind', () => {
  const policy = originPolicy({ bindHost: '0.0.0.0', port: 8000, tls: false, publicHosts: [], allowedOrigins: ['https://app.example.com/'] });

  it('refuses an Origin equal to the Host header (the request\'s own Host is not a public name)', () => {
    expect(originProblem(req({ host: 'evil.example:8000', origin: 'http://evil.example:8000' }), policy)).toMatch(/not allowed/);
  });

  it('passes a request without Origin, whatever its Host (clients reach a 0.0.0.0 bind by any name)', () => {
    expect(originProblem(req({ host: 'mcp.internal:8000' }), policy)).toBeUndefined();
  });

  it('passes an --allowed-origin, normalised, and gives it (only it) CORS', () => {
    const r = req({ host: 'mcp.internal:8000', origin: 'https://APP.example.com' });
    expect(originProblem(r, policy)).toBeUndefined();
    expect(corsOrigin(r, policy)).toBe('https://app.example.com');
    expect(corsOrigin(req({ host: 'x', origin: 'http://localhost:3000' }), policy)).toBeUndefined();
  });

  it('refuses Origin null and a malformed Origin', () => {
    expect(originProblem(req({ host: 'h', origin: 'null' }), policy)).toMatch(/null/);
    expect(originProblem(req({ host: 'h', origin: 'not a url' }), policy)).toMatch(/not a valid URL/);
  });
});

describe('originProblem with --public-host', () => {
  const policy = originPolicy({ bindHost: '10.0.0.5', port: 8000, tls: true, publicHosts: ['mcp.example.com', 'alt.example.com:9443'], allowedOrigins: [] });

  it('checks Host against the public names: any port for a bare name, the given port otherwise', () => {
    expect(originProblem(req({ host: 'mcp.example.com' }), policy)).toBeUndefined();
    expect(originProblem(req({ host: 'mcp.example.com:8443' }), policy)).toBeUndefined();
    expect(originProblem(req({ host: 'alt.example.com:9443' }), policy)).toBeUndefined();
    expect(originProblem(req({ host: 'alt.example.com' }), policy)).toMatch(/--public-host/); // 443 (TLS) is not 9443
    expect(originProblem(req({ host: '10.0.0.5:8000' }), policy)).toBeUndefined();
    expect(originProblem(req({ host: 'evil.example' }), policy)).toMatch(/--public-host/);
    expect(originProblem(req({}), policy)).toMatch(/--public-host/);
  });

  it('passes a same-origin Origin of a public name, with no CORS headers', () => {
    const r = req({ host: 'mcp.example.com', origin: 'https://mcp.example.com' });
    expect(originProblem(r, policy)).toBeUndefined();
    expect(corsOrigin(r, policy)).toBeUndefined();
    expect(originProblem(req({ host: 'mcp.example.com', origin: 'https://evil.example' }), policy)).toMatch(/--allowed-origin/);
  });
});

describe('originProblem on loopback', () => {
  const policy = originPolicy({ bindHost: '127.0.0.1', port: 8000, tls: false, publicHosts: [], allowedOrigins: [] });

  it('takes localhost, 127.0.0.1 and [::1] with the server\'s port as Host and Origin', () => {
    for (const h of ['localhost:8000', '127.0.0.1:8000', '[::1]:8000']) {
      expect(originProblem(req({ host: h, origin: `http://${h}` }), policy)).toBeUndefined();
    }
  });

  it('refuses another local port as Origin, and a rebound name as Host', () => {
    expect(originProblem(req({ host: 'localhost:8000', origin: 'http://localhost:3000' }), policy)).toMatch(/--allowed-origin/);
    expect(originProblem(req({ host: '127.evil.example:8000' }), policy)).toMatch(/--public-host/);
    expect(originProblem(req({ host: 'localhost:9000' }), policy)).toMatch(/--public-host/);
  });

  it('stops the start on a malformed --public-host or --allowed-origin', () => {
    expect(() => originPolicy({ bindHost: '127.0.0.1', port: 1, tls: false, publicHosts: ['a b'], allowedOrigins: [] })).toThrow(/--public-host/);
    expect(() => originPolicy({ bindHost: '127.0.0.1', port: 1, tls: false, publicHosts: [], allowedOrigins: ['app.example.com'] })).toThrow(/--allowed-origin/);
  });
});
