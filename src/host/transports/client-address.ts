import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** The longest X-Forwarded-For read; a longer one is ignored (the proxy's own address is used). */
const MAX_FORWARDED_BYTES = 4096;

/**
 * Reverse proxies this server trusts to name the client. Behind one, every caller arrives from the proxy's
 * address, so per-address limits (unverified tokens, sessions) would be shared by the whole team.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** `10.0.0.5`, `10.0.0.0/8`, `fd00::/8`; a malformed entry throws with the entry named. */
  constructor(entries: string[]) {
    for (const e of entries) {
      const [addr, bits, extra] = e.trim().split('/');
      const family = isIP(addr);
      const prefix = bits === undefined ? undefined : Number(bits);
      const max = family === 6 ? 128 : 32;
      if (!family || extra !== undefined || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))) {
        throw new Error(`--trusted-proxy ${JSON.stringify(e)} is not an IP address or CIDR (e.g. 10.0.0.5 or 10.0.0.0/8)`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(addr, type);
      else this.list.addSubnet(addr, prefix, type);
    }
    this.size = entries.length;
  }

  has(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.5` (an IPv4 client on a dual-stack socket) as `10.0.0.5`. */
function unmapped(a: string): string {
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/**
 * The client's address: the socket's, or, when the socket is a trusted proxy, the nearest address in
 * X-Forwarded-For that is not a trusted proxy (read right to left: the left part is whatever the client
 * wrote). One pass over a bounded header.
 */
export function clientAddress(req: IncomingMessage, trusted?: TrustedProxies): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (!trusted?.size || !trusted.has(socket)) return socket;
  const raw = req.headers['x-forwarded-for'];
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  if (!header || header.length > MAX_FORWARDED_BYTES) return socket;
  const hops = header.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapped(hops[i].trim());
    if (!isIP(hop)) return socket; // a hop that is not an address: trust nothing further left
    if (!trusted.has(hop)) return hop;
  }
  return unmapped(hops[0].trim());
}
