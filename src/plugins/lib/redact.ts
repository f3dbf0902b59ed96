/**
 * Redaction of obvious secrets in workload output before a model reads it. Conservative patterns:
 * it hides values that are plainly credentials and leaves everything else as it was.
 *
 * Log lines and job variables are written by whoever runs a job, so the work must be linear in the
 * text whatever it holds. The rules whose regular expression would backtrack (many start positions
 * each scanning far: `a.a.a.…`, `Authorization:` and a long run of blanks) are hand-written scanners
 * that give exactly the matches of the expression quoted above each one; the others are regular
 * expressions whose every quantifier is bounded or stops at a character the next token cannot start
 * with, so each position is visited a bounded number of times.
 */

const R = '[REDACTED]';

/** One match of a rule: the text in [start, end) becomes `replacement`. */
interface Found {
  start: number;
  end: number;
  replacement: string;
}

/** A scanner rule: given the text, a function answering the first match at or after a position. */
type Scanner = (text: string) => (from: number) => Found | undefined;

// Character classes of the expressions, on UTF-16 code units (no `u` flag: \b, \w and /i are ASCII).
const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** JavaScript's \s: WhiteSpace and LineTerminator. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
const QUOTE = 34;
const APOS = 39;
const isQuote = (c: number): boolean => c === QUOTE || c === APOS;

/** Whether `word` (lower-case ASCII) is at `p`, ignoring ASCII case only (as /i without `u`). */
function wordAt(text: string, p: number, word: string): boolean {
  if (p + word.length > text.length) return false;
  for (let j = 0; j < word.length; j++) {
    const c = text.charCodeAt(p + j);
    const w = word.charCodeAt(j);
    if (c !== w && !(c >= 65 && c <= 90 && c + 32 === w)) return false;
  }
  return true;
}

function skipSpace(text: string, p: number): number {
  while (p < text.length && isSpace(text.charCodeAt(p))) p++;
  return p;
}

/** Applies a scanner rule from left to right, as String.prototype.replace does with a /g expression. */
function applyScanner(text: string, rule: Scanner, counted: { n: number }): string {
  const next = rule(text);
  const parts: string[] = [];
  let last = 0;
  for (let f = next(0); f; f = next(f.end)) {
    if (f.replacement.length !== f.end - f.start || f.replacement !== text.slice(f.start, f.end)) counted.n++;
    parts.push(text.slice(last, f.start), f.replacement);
    last = f.end;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join(''); // one flat string: the next rule reads it character by character
}

// ---------------------------------------------------------------------------------------------
// PEM private key blocks (whole block, across lines):
//   /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g
// The kind holds no '-', so it is exactly the text up to the next "-----"; the block ends at the
// first matching END line, else at the end of the text.

const isKindChar = (c: number): boolean => c === 32 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

/** `(?:[A-Z0-9]+ )*` over a string of [A-Z0-9 ]: empty, or words each followed by one space. */
const wordsPrefix = (p: string): boolean => p === '' || (p.endsWith(' ') && !p.startsWith(' ') && !p.includes('  '));

function pemKind(kind: string): boolean {
  if (kind.endsWith('PRIVATE KEY')) return wordsPrefix(kind.slice(0, -11));
  return kind.endsWith('PRIVATE KEY BLOCK') && wordsPrefix(kind.slice(0, -17));
}

const pem: Scanner = (text) => (from) => {
  for (let at = text.indexOf('-----BEGIN ', from); at >= 0; at = text.indexOf('-----BEGIN ', at + 1)) {
    let k = at + 11;
    while (k < text.length && isKindChar(text.charCodeAt(k))) k++;
    const kind = text.slice(at + 11, k);
    if (!text.startsWith('-----', k) || !pemKind(kind)) continue;
    const endLine = `-----END ${kind}-----`;
    const e = text.indexOf(endLine, k + 5);
    return { start: at, end: e < 0 ? text.length : e + endLine.length, replacement: `-----BEGIN ${kind}----- ${R} -----END ${kind}-----` };
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Authorization headers: Bearer / Basic / token credentials.
//   /\b(Authorization|Proxy-Authorization)(["']?\s*[:=]\s*["']?)(Bearer|Basic|Token|Digest)?(\s*)[^\s"',;]+/gi
// After the name everything is forced but the scheme: the blanks before the value cannot be the
// value, so the first choice that leaves a value character wins (scheme, else none).

const SCHEMES = ['bearer', 'basic', 'token', 'digest'];
const isValueChar = (c: number): boolean => !isSpace(c) && c !== QUOTE && c !== APOS && c !== 44 && c !== 59; // not \s " ' , ;

const authorization: Scanner = (text) => (from) => {
  const len = text.length;
  const valueAt = (p: number) => p < len && isValueChar(text.charCodeAt(p));
  for (let a = from; a + 13 <= len; a++) {
    if ((text.charCodeAt(a) | 32) !== 97 || !wordAt(text, a, 'authorization')) continue;
    // the two names end at the same place: "Proxy-" first, as the alternation is leftmost
    const proxy = a - 6 >= from && wordAt(text, a - 6, 'proxy-') && (a - 6 === 0 || !isWord(text.charCodeAt(a - 7)));
    if (!proxy && a > 0 && isWord(text.charCodeAt(a - 1))) continue;
    const name = a + 13;
    let p = name;
    if (isQuote(text.charCodeAt(p))) p++;
    p = skipSpace(text, p);
    if (text[p] !== ':' && text[p] !== '=') continue;
    p = skipSpace(text, p + 1);
    if (isQuote(text.charCodeAt(p))) p++;
    const sepEnd = p;
    let scheme: string | undefined;
    let value = -1;
    const s = SCHEMES.find((w) => wordAt(text, p, w));
    if (s) {
      const w3 = skipSpace(text, p + s.length);
      if (valueAt(w3)) {
        scheme = text.slice(p, p + s.length);
        value = w3;
      }
    }
    if (value < 0) {
      const w3 = skipSpace(text, p);
      if (!valueAt(w3)) continue;
      value = w3;
    }
    let end = value;
    while (end < len && isValueChar(text.charCodeAt(end))) end++;
    const start = proxy ? a - 6 : a;
    const sp = scheme ? text.slice(sepEnd + scheme.length, value) : '';
    return { start, end, replacement: `${text.slice(start, name)}${text.slice(name, sepEnd)}${scheme ?? ''}${scheme ? sp || ' ' : ''}${R}` };
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Credentials inside URLs: scheme://user:password@host
//   /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi
// Every start inside one run of scheme characters reaches the same "://", so a run is tried once:
// from its leftmost letter at a word boundary.

const isSchemeChar = (c: number): boolean => isWord(c) ? c !== 95 : c === 43 || c === 46 || c === 45; // [a-z0-9+.-]
const isUserChar = (c: number): boolean => !isSpace(c) && c !== 58 && c !== 47 && c !== 64; // [^\s:/@]
const isPasswordChar = (c: number): boolean => !isSpace(c) && c !== 64 && c !== 47; // [^\s@/]

const urlCredentials: Scanner = (text) => (from) => {
  const len = text.length;
  let i = from;
  while (i < len) {
    while (i < len && !isSchemeChar(text.charCodeAt(i))) i++;
    let c = i;
    while (c < len && isSchemeChar(text.charCodeAt(c))) c++;
    let s = -1;
    for (let k = i; k < c && s < 0; k++) if (isLetter(text.charCodeAt(k)) && (k === 0 || !isWord(text.charCodeAt(k - 1)))) s = k;
    if (s >= 0 && text.startsWith('://', c)) {
      let u = c + 3;
      while (u < len && isUserChar(text.charCodeAt(u))) u++;
      if (u > c + 3 && text[u] === ':') {
        let v = u + 1;
        while (v < len && isPasswordChar(text.charCodeAt(v))) v++;
        if (v > u + 1 && text[v] === '@') return { start: s, end: v + 1, replacement: `${text.slice(s, u + 1)}${R}@` };
      }
    }
    i = c;
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// KEY=value and KEY: value where the key names a secret (DB_PASSWORD=…, "token": "…", password: …).
//   (["']?\b[A-Za-z0-9_.-]*(?:SECRET_WORDS)[A-Za-z0-9_]*["']?)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)  /gi
// The key is a whole run of [A-Za-z0-9_.-] from its first word character (the only word boundary a
// match can start at): what follows the secret word may hold no '.' or '-', so the word must end in
// the run's last segment. The rest of the expression has one way to match.

/** Words that make a `KEY=value` / `key: value` pair secret; `_` a `-` or nothing before KEY. */
const SECRET_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'credential'];
const SECRET_KEY_WORDS = ['api', 'access', 'private', 'auth', 'session'];

/** The words above by their first letter (lower-case code), so a position tries only its own. */
const BY_FIRST: { words: string[]; keyWords: string[] }[] = [];
for (const w of [...SECRET_WORDS, ...SECRET_KEY_WORDS]) {
  const slot = (BY_FIRST[w.charCodeAt(0)] ??= { words: [], keyWords: [] });
  (SECRET_WORDS.includes(w) ? slot.words : slot.keyWords).push(w);
}

/** The end of the longest secret word at `p`, or -1. */
function secretWordEnd(text: string, p: number): number {
  const slot = BY_FIRST[text.charCodeAt(p) | 32];
  if (!slot) return -1;
  let end = -1;
  for (const w of slot.words) if (wordAt(text, p, w)) end = Math.max(end, p + w.length + (w === 'credential' && wordAt(text, p + 10, 's') ? 1 : 0));
  for (const w of slot.keyWords) {
    if (!wordAt(text, p, w)) continue;
    let q = p + w.length;
    const sep = text[q];
    if ((sep === '_' || sep === '-') && wordAt(text, q + 1, 'key')) q++;
    if (wordAt(text, q, 'key')) end = Math.max(end, q + 3);
  }
  return end;
}

const isKeyChar = (c: number): boolean => isWord(c) || c === 46 || c === 45; // [A-Za-z0-9_.-]
const isUnquotedChar = (c: number): boolean => isValueChar(c) && c !== 38; // [^\s,;&"']

const secretPair: Scanner = (text) => {
  const len = text.length;
  // the next quote of each kind at or after a position, kept so each is searched for once
  const nextQuote = { [QUOTE]: { from: -1, at: -1 }, [APOS]: { from: -1, at: -1 } } as Record<number, { from: number; at: number }>;
  const closing = (q: number, p: number): number => {
    const m = nextQuote[q];
    if (!(m.from >= 0 && m.from <= p && (m.at < 0 || m.at >= p))) {
      m.from = p;
      m.at = text.indexOf(String.fromCharCode(q), p);
    }
    return m.at;
  };
  return (from) => {
    let i = from;
    while (i < len) {
      while (i < len && !isKeyChar(text.charCodeAt(i))) i++;
      const a = i;
      let first = -1;
      let lastSegment = a;
      while (i < len && isKeyChar(text.charCodeAt(i))) {
        if (!isWord(text.charCodeAt(i))) lastSegment = i + 1;
        else if (first < 0) first = i;
        i++;
      }
      const e = i;
      if (first < 0) continue;
      // a secret word ending in the last segment (it may start up to "session-" before it)
      let found = false;
      for (let p = Math.max(first, lastSegment - 11); p < e && !found; p++) {
        if (secretWordEnd(text, p) > lastSegment) found = true;
      }
      if (!found) continue;
      let k = e;
      if (isQuote(text.charCodeAt(k))) k++;
      let p = skipSpace(text, k);
      if (text[p] !== '=' && text[p] !== ':') continue;
      p = skipSpace(text, p + 1);
      const v = p;
      const q = text.charCodeAt(v);
      let end: number;
      if (isQuote(q)) {
        const close = closing(q, v + 1);
        if (close < 0) continue;
        end = close + 1;
      } else {
        end = v;
        while (end < len && isUnquotedChar(text.charCodeAt(end))) end++;
        if (end === v) continue;
      }
      const start = first === a && a - 1 >= from && isQuote(text.charCodeAt(a - 1)) ? a - 1 : first;
      const match = text.slice(start, end);
      const value = text.slice(v, end);
      // Keep "token: [REDACTED]" readable and skip values that are already redacted.
      if (value.includes(R)) return { start, end, replacement: match };
      const quote = isQuote(q) ? text[v] : '';
      return { start, end, replacement: `${text.slice(start, k)}${text.slice(k, v)}${quote}${R}${quote}` };
    }
    return undefined;
  };
};

// ---------------------------------------------------------------------------------------------
// JWTs: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g
// Every "eyJ" inside one run of [A-Za-z0-9_-] shares the run's end, so a run's continuation is
// checked once; the match ends at the last word boundary of the third part.

const isJwtChar = (c: number): boolean => isWord(c) || c === 45;

const jwt: Scanner = (text) => {
  const len = text.length;
  let runFrom = -1;
  let runEnd = -1;
  const endOfRun = (p: number): number => {
    if (p >= runFrom && p <= runEnd) return runEnd;
    let q = p;
    while (q < len && isJwtChar(text.charCodeAt(q))) q++;
    runFrom = p;
    runEnd = q;
    return q;
  };
  const wordAtPos = (p: number) => p < len && isWord(text.charCodeAt(p));
  return (from) => {
    for (let s = text.indexOf('eyJ', from); s >= 0; s = text.indexOf('eyJ', s + 1)) {
      if (s > 0 && isWord(text.charCodeAt(s - 1))) continue;
      const e1 = endOfRun(s);
      let ok = e1 - (s + 3) >= 8 && text[e1] === '.';
      const e2 = ok ? endOfRun(e1 + 1) : -1;
      ok &&= e2 - (e1 + 1) >= 8 && text[e2] === '.';
      const e3 = ok ? endOfRun(e2 + 1) : -1;
      let k = e3;
      if (ok) while (k >= e2 + 9 && wordAtPos(k - 1) === wordAtPos(k)) k--;
      if (ok && k >= e2 + 9) return { start: s, end: k, replacement: R };
      // every later "eyJ" of this run fails the same way
      s = Math.max(s, e1 - 1);
    }
    return undefined;
  };
};

// ---------------------------------------------------------------------------------------------

/**
 * Rules kept as regular expressions, each linear: "Bearer" is a literal start and the blanks and
 * the token after it are disjoint runs; the key formats have fixed prefixes and a bounded count or
 * a run that, once long enough, can only end at its last word boundary. Their replacement is a
 * constant that differs from every match (no match can hold "[REDACTED]"), so every match counts.
 */
const BEARER = /\b(?:Bearer)\s+[A-Za-z0-9\-._~+/]+=*/g;
const FORMATS = [
  // AWS access key IDs.
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
  // Well-known token formats: GitHub, GitLab, Slack, Nomad/Vault-style.
  /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|hv[sb]\.[A-Za-z0-9_-]{20,})\b/g,
];

type Step = (text: string, counted: { n: number }) => string;
const scan = (rule: Scanner): Step => (text, counted) => applyScanner(text, rule, counted);

/** Matches counted with test() and replaced in one native pass: nothing is allocated per match. */
const constant =
  (re: RegExp, replacement: string): Step =>
  (text, counted) => {
    let n = 0;
    re.lastIndex = 0;
    while (re.test(text)) n++;
    if (n === 0) return text;
    counted.n += n;
    return text.replace(re, replacement);
  };

/** In order: each rule runs on the output of the one before. */
const RULES: Step[] = [
  scan(pem),
  scan(authorization),
  constant(BEARER, `Bearer ${R}`),
  scan(urlCredentials),
  scan(secretPair),
  ...FORMATS.map((re) => constant(re, R)),
  scan(jwt),
];

export interface Redacted {
  text: string;
  /** How many values were replaced. */
  count: number;
}

/** Replaces obvious secrets with `[REDACTED]`, in time linear in the text. */
export function redact(text: string): Redacted {
  const counted = { n: 0 };
  let out = text;
  for (const rule of RULES) out = rule(out, counted);
  return { text: out, count: counted.n };
}
