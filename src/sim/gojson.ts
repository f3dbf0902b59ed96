/**
 * Decoding request bodies the way Nomad's `decodeBody` (Go's json.Decoder) does: only the first
 * JSON value is read (trailing bytes are ignored) and syntax errors carry Go's messages.
 */

export class GoJsonError extends Error {}

function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '\n') return "'\\n'";
  if (c === '\r') return "'\\r'";
  if (c === '\t') return "'\\t'";
  if (c < ' ') return `'\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

/** Returns the end offset of the first JSON value in text, or throws GoJsonError with Go's message. */
function scanValue(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const eof = () => new GoJsonError('unexpected EOF');
  const bad = (ctx: string) => new GoJsonError(`invalid character ${quoteChar(text[i])} ${ctx}`);

  const value = (): void => {
    ws();
    if (i >= n) throw eof();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (i >= n) throw eof();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (i >= n) throw eof();
        if (text[i] !== '"') throw bad('looking for beginning of object key string');
        string();
        ws();
        if (i >= n) throw eof();
        if (text[i] !== ':') throw bad('after object key');
        i++;
        value();
        ws();
        if (i >= n) throw eof();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        throw bad('after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (i >= n) throw eof();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value();
        ws();
        if (i >= n) throw eof();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        throw bad('after array element');
      }
    }
    if (c === '"') { string(); return; }
    if (c === '-' || (c >= '0' && c <= '9')) { number(); return; }
    for (const lit of ['true', 'false', 'null']) {
      if (c === lit[0]) {
        for (let k = 1; k < lit.length; k++) {
          i++;
          if (i >= n) throw eof();
          if (text[i] !== lit[k]) throw bad(`in literal ${lit} (expecting ${quoteChar(lit[k])})`);
        }
        i++;
        return;
      }
    }
    throw bad('looking for beginning of value');
  };

  const string = (): void => {
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '"') { i++; return; }
      if (c === '\\') {
        i++;
        if (i >= n) throw eof();
        const e = text[i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n) throw eof();
            if (!/[0-9a-fA-F]/.test(text[i])) throw bad('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(e)) {
          throw bad('in string escape code');
        }
        i++;
        continue;
      }
      if (c < ' ') throw bad('in string literal');
      i++;
    }
    throw eof();
  };

  const number = (): void => {
    if (text[i] === '-') {
      i++;
      if (i >= n) throw eof();
      if (!(text[i] >= '0' && text[i] <= '9')) throw bad('in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (i < n && text[i] >= '0' && text[i] <= '9') i++;
    if (i < n && text[i] === '.') {
      i++;
      if (i >= n) throw eof();
      if (!(text[i] >= '0' && text[i] <= '9')) throw bad('after decimal point in numeric literal');
      while (i < n && text[i] >= '0' && text[i] <= '9') i++;
    }
    if (i < n && (text[i] === 'e' || text[i] === 'E')) {
      i++;
      if (i < n && (text[i] === '+' || text[i] === '-')) i++;
      if (i >= n) throw eof();
      if (!(text[i] >= '0' && text[i] <= '9')) throw bad('in exponent of numeric literal');
      while (i < n && text[i] >= '0' && text[i] <= '9') i++;
    }
  };

  ws();
  if (i >= n) throw new GoJsonError('EOF');
  value();
  return i;
}

/** Parses the first JSON value of text like json.Decoder.Decode; throws GoJsonError. */
export function goDecode(text: string): unknown {
  const end = scanValue(text);
  return JSON.parse(text.slice(0, end));
}

/** Go's name for a JSON value's type in "cannot unmarshal X into ..." errors. */
export function goJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}
