import { describe, expect, it } from 'vitest';
import { redact } from '../../src/plugins/lib/redact.js';

/**
 * The redactor as it was, with one regular expression per rule: the scanners must give exactly its
 * answers. It backtracks (quadratic on `a.a.a.…`), so it only ever sees short inputs here.
 */
function reference(text: string): { text: string; count: number } {
  const R = '[REDACTED]';
  const SECRET_WORDS = 'PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API[_-]?KEY|ACCESS[_-]?KEY|PRIVATE[_-]?KEY|CREDENTIALS?|AUTH[_-]?KEY|SESSION[_-]?KEY';
  const rules: { re: RegExp; replace: (...m: string[]) => string }[] = [
    {
      re: /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g,
      replace: (_m, kind) => `-----BEGIN ${kind}----- ${R} -----END ${kind}-----`,
    },
    {
      re: /\b(Authorization|Proxy-Authorization)(["']?\s*[:=]\s*["']?)(Bearer|Basic|Token|Digest)?(\s*)[^\s"',;]+/gi,
      replace: (_m, h, sep, scheme, sp) => `${h}${sep}${scheme ?? ''}${scheme ? sp || ' ' : ''}${R}`,
    },
    { re: /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/g, replace: (_m, b) => `${b} ${R}` },
    { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, replace: (_m, pre) => `${pre}${R}@` },
    {
      re: new RegExp(`(["']?\\b[A-Za-z0-9_.-]*(?:${SECRET_WORDS})[A-Za-z0-9_]*["']?)(\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s,;&"']+)`, 'gi'),
      replace: (m, key, sep, value) => {
        if (!value || value.includes(R)) return m;
        const q = value[0] === '"' || value[0] === "'" ? value[0] : '';
        return `${key}${sep}${q}${R}${q}`;
      },
    },
    { re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, replace: () => R },
    { re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|hv[sb]\.[A-Za-z0-9_-]{20,})\b/g, replace: () => R },
    { re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, replace: () => R },
  ];
  let count = 0;
  let out = text;
  for (const rule of rules) {
    out = out.replace(rule.re, (...args: unknown[]) => {
      const m = args[0] as string;
      const groups = args.slice(1, -2).map((g) => (g === undefined ? undefined : String(g))) as string[];
      const r = rule.replace(m, ...groups);
      if (r !== m) count++;
      return r;
    });
  }
  return { text: out, count };
}

/** A small seeded generator (mulberry32), so a failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces the rules care about, and the characters at the edges of their classes. */
const PIECES = [
  'a', 'A', 'z', '0', '9', '.', '-', '_', '+', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\v', '"', "'", ':', '=', ',', ';', '&',
  '@', '/', '//', '://', '(', '[', ']', 'password', 'PassWord', 'passwd', 'passphrase', 'SECRET', 'token', 'api', 'key', 'api-key',
  'API_KEY', 'apikey', 'access_key', 'private-key', 'auth_key', 'session-key', 'credential', 'credentials', 'session', 'db.', 'x-',
  'Authorization', 'authorization', 'Proxy-', 'proxy-', 'Bearer', 'bearer', 'Basic', 'TOKEN', 'Digest', 'http', 'postgres', 'user',
  'pa55', 'eyJ', 'eyJhbGciOi', 'abcdefgh', 'ABCDEFGH12', '-----BEGIN ', '-----END ', '-----', 'PRIVATE KEY', 'RSA ', ' BLOCK',
  'EC', '[REDACTED]', 'AKIA', 'ABCDEFGHIJKLMNOP', 'ghp_', 'github_pat_', 'glpat-', 'xoxb-', 'hvs.', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '\u212a', '\u017f', 'İ', 'é', '😀',
];

function randomText(next: () => number): string {
  const n = 1 + Math.floor(next() * 24);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

describe('redaction is linear and answers as the regular expressions did', () => {
  it('gives the same text and count as the original expressions on 20,000 generated inputs', () => {
    const next = rng(20261129);
    for (let i = 0; i < 20000; i++) {
      const input = randomText(next);
      const want = reference(input);
      const got = redact(input);
      if (got.text !== want.text || got.count !== want.count) {
        expect({ input, text: got.text, count: got.count }).toEqual({ input, text: want.text, count: want.count });
      }
    }
  });

  it('gives the same answers on realistic lines', () => {
    const lines = [
      'curl -H "Proxy-Authorization: Basic dXNlcjpwYXNz" https://admin:s3cret@example.com/path',
      '{"api_key": "k-123", "access-key": \'v v\', "db.password":"", "token": [REDACTED]}',
      'Authorization=  "Bearer   abc"; Authorization: Bearer, authorization:"token xyz"',
      'export AWS_SECRET_ACCESS_KEY=abc AKIAABCDEFGHIJKLMNOP ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U--',
      '-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n-----BEGIN PGP PRIVATE KEY BLOCK-----\nx',
      'a.b.c.password.d=1 x.api-key=2 -password=3 "_token"=4 passwordless=false',
    ];
    for (const line of lines) expect(redact(line)).toEqual(reference(line));
  });

  // The old expressions take half an hour on the first of these (8.7 s at 64 KiB); vitest fails a
  // synchronous test that overran its timeout when it returns. The timing is in bench/redact.mjs.
  it('redacts 1 MiB adversarial inputs', { timeout: 20_000 }, () => {
    const MiB = 1024 * 1024;
    const cases: [string, string, number][] = [
      ['a.', 'a.'.repeat(MiB / 2), 0],
      ['-eyJ', '-eyJ'.repeat(MiB / 4), 0],
      ['scheme run', `${'a.'.repeat(MiB / 4)}://x:${'y:'.repeat(MiB / 4)}`, 0],
      ['blanks', `Authorization:${' '.repeat(MiB)}`, 0],
    ];
    for (const [name, input, count] of cases) {
      const r = redact(input);
      expect({ name, count: r.count, same: r.text === input }).toEqual({ name, count, same: true });
    }
    // the value of the first key runs to the end: one redaction
    expect(redact('password='.repeat(MiB / 9))).toEqual({ text: 'password=[REDACTED]', count: 1 });
    expect(redact(`-----BEGIN PRIVATE KEY-----${'A'.repeat(MiB)}`).text).toBe('-----BEGIN PRIVATE KEY----- [REDACTED] -----END PRIVATE KEY-----');
    const pairs = Math.floor(MiB / 14);
    expect(redact('Bearer '.repeat(2 * pairs))).toEqual({ text: 'Bearer [REDACTED] '.repeat(pairs), count: pairs });
    expect(redact(`x://u:${'p:'.repeat(MiB / 2)}`).count).toBe(0);
  });
});
