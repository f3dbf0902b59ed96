/**
 * Redaction of obvious secrets in workload output before a model reads it. Conservative patterns:
 * it hides values that are plainly credentials and leaves everything else as it was.
 */

const R = '[REDACTED]';

/** Words that make a `KEY=value` / `key: value` pair secret. */
const SECRET_WORDS = 'PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API[_-]?KEY|ACCESS[_-]?KEY|PRIVATE[_-]?KEY|CREDENTIALS?|AUTH[_-]?KEY|SESSION[_-]?KEY';

interface Rule {
  re: RegExp;
  replace: (...m: string[]) => string;
}

const RULES: Rule[] = [
  // PEM private key blocks (whole block, across lines).
  {
    re: /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g,
    replace: (_m, kind) => `-----BEGIN ${kind}----- ${R} -----END ${kind}-----`,
  },
  // Authorization headers: Bearer / Basic / token credentials.
  {
    re: /\b(Authorization|Proxy-Authorization)(["']?\s*[:=]\s*["']?)(Bearer|Basic|Token|Digest)?(\s*)[^\s"',;]+/gi,
    replace: (_m, h, sep, scheme, sp) => `${h}${sep}${scheme ?? ''}${scheme ? sp || ' ' : ''}${R}`,
  },
  // Any remaining "Bearer <token>".
  { re: /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/g, replace: (_m, b) => `${b} ${R}` },
  // Credentials inside URLs: scheme://user:password@host
  { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, replace: (_m, pre) => `${pre}${R}@` },
  // KEY=value and KEY: value where the key names a secret (DB_PASSWORD=…, "token": "…", password: …).
  {
    re: new RegExp(
      `(["']?\\b[A-Za-z0-9_.-]*(?:${SECRET_WORDS})[A-Za-z0-9_]*["']?)(\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s,;&"']+)`,
      'gi',
    ),
    replace: (m, key, sep, value) => {
      // Keep "token: [REDACTED]" readable and skip values that are already redacted or empty.
      if (!value || value.includes(R)) return m;
      const q = value[0] === '"' || value[0] === "'" ? value[0] : '';
      return `${key}${sep}${q}${R}${q}`;
    },
  },
  // AWS access key IDs.
  { re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, replace: () => R },
  // Well-known token formats: GitHub, GitLab, Slack, Nomad/Vault-style, JWTs.
  { re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|hv[sb]\.[A-Za-z0-9_-]{20,})\b/g, replace: () => R },
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, replace: () => R },
];

export interface Redacted {
  text: string;
  /** How many values were replaced. */
  count: number;
}

/** Replaces obvious secrets with `[REDACTED]`. */
export function redact(text: string): Redacted {
  let count = 0;
  let out = text;
  for (const rule of RULES) {
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
