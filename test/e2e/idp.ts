/**
 * A test identity provider: a local node:http server publishing OpenID metadata and a JWKS, and JWTs
 * signed with its key (jose), as test/e2e/oauth.test.ts and clusters.test.ts use them.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestIdp {
  url: string;
  jwksFetches: number;
  key: { privateKey: CryptoKey; publicKey: CryptoKey };
  /** A token as the issuer signs it (`over` replaces claims); every one minted is kept in `minted`. */
  mint(audience: string, over?: JWTPayload): Promise<string>;
  minted: string[];
  close(): Promise<void>;
}

export async function startIdp(): Promise<TestIdp> {
  const key = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server = http.createServer();
  const idp: TestIdp = {
    url: '',
    jwksFetches: 0,
    key,
    minted: [],
    async mint(audience, over = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload = { iss: idp.url, aud: audience, sub: 'alice', iat: now, exp: now + 600, scope: 'openid nomad', groups: ['ops'], ...over };
      for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key.privateKey);
      idp.minted.push(jwt);
      return jwt;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  server.on('request', (req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: idp.url, jwks_uri: `${idp.url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/jwks') {
      idp.jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  idp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return idp;
}
