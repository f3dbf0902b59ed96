/**
 * A fast reader for the plain YAML descriptor files are written in: block mappings and sequences, one-line flow
 * collections, plain and one-line quoted scalars, literal and folded block scalars, comments. It gives the same
 * data as `yaml`'s parseDocument(…).toJS() (YAML 1.2 core schema) about four times faster, and the position of
 * each mapping's `name`/`uriTemplate` value. Anything else (anchors, aliases, tags, multi-line plain or quoted
 * scalars, duplicate keys, tabs, CR, several documents, anything yaml would call an error) returns undefined, and
 * the caller parses the file with `yaml`, which also gives every error its file:line:col. Linear in the text.
 */

export interface Pos {
  line: number;
  col: number;
}

export interface FastYaml {
  data: Record<string, unknown>;
  /** Where the `name` (or `uriTemplate`) value of a mapping starts (1-based line and column). */
  namePos: WeakMap<object, Partial<Record<'name' | 'uriTemplate', Pos>>>;
}

/** Thrown inside the reader when the text leaves the supported subset; never escapes fastYaml. */
class Unsupported extends Error {}
const bail = (): never => {
  throw new Unsupported();
};

interface Line {
  /** Leading spaces (or, for the rest of a `- ` item, its column). */
  indent: number;
  /** The text after the indentation. */
  text: string;
  /** 1-based line number. */
  no: number;
}

const NULL_RE = /^(?:~|null|Null|NULL)$/;
const BOOL_RE = /^(?:true|True|TRUE|false|False|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const OCT_RE = /^0o[0-7]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INF_RE = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN_RE = /^\.(?:nan|NaN|NAN)$/;
/** A plain scalar may not start with these (or they need care this reader does not take). */
const PLAIN_START_BAD = /^(?:[,[\]{}#&*!|>'"%@`]|[-?:](?:[\s,[\]{}]|$))/;

/** A plain scalar's value by the core schema (null, booleans, numbers, else the string). */
function resolvePlain(s: string): unknown {
  if (s === '' || NULL_RE.test(s)) return null;
  const c = s.charCodeAt(0);
  // only words starting like a keyword or a number can be one
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 116 || c === 84 || c === 102 || c === 70) {
    if (BOOL_RE.test(s)) return s[0] === 't' || s[0] === 'T';
    if (INT_RE.test(s)) {
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : bail();
    }
    if (OCT_RE.test(s)) return parseInt(s.slice(2), 8);
    if (HEX_RE.test(s)) return parseInt(s.slice(2), 16);
    if (FLOAT_RE.test(s)) return Number(s);
    if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
    if (NAN_RE.test(s)) return NaN;
  }
  return s;
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

class Reader {
  readonly namePos = new WeakMap<object, Partial<Record<'name' | 'uriTemplate', Pos>>>();
  private i = 0;
  constructor(private readonly lines: Line[]) {}

  /** Skip blank and comment-only lines; the next line or undefined. */
  private peek(): Line | undefined {
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.text === '' || l.text[0] === '#') this.i++;
      else return l;
    }
    return undefined;
  }

  document(): Record<string, unknown> {
    const first = this.peek();
    if (!first || first.indent !== 0 || isSeqItem(first.text)) bail();
    const root = this.map(0);
    if (this.peek()) bail(); // something less indented than the root, or `---`
    return root;
  }

  /** The block node that starts at the next line, more indented than `parent` (or a sequence at its indent). */
  private nested(parent: number, inMap: boolean): unknown {
    const l = this.peek();
    if (!l) return null;
    if (l.indent > parent) return isSeqItem(l.text) ? this.seq(l.indent) : this.map(l.indent);
    // a mapping's value may be a sequence at the mapping's own indentation
    if (inMap && l.indent === parent && isSeqItem(l.text)) return this.seq(l.indent);
    return null;
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let l = this.peek(); l && l.indent === indent && !isSeqItem(l.text); l = this.peek()) {
      const { key, rest, restCol } = splitKey(l.text);
      if (Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__' || key === '<<') bail();
      this.i++;
      const value = this.value(rest, indent, true);
      out[key] = value;
      if ((key === 'name' || key === 'uriTemplate') && typeof value === 'string') {
        const at = this.namePos.get(out) ?? {};
        at[key] = { line: l.no, col: indent + restCol + 1 + (rest.length - rest.trimStart().length) };
        this.namePos.set(out, at);
      }
    }
    const after = this.peek();
    if (after && after.indent > indent) bail(); // a stray deeper line (e.g. a multi-line plain scalar)
    return out;
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let l = this.peek(); l && l.indent === indent && isSeqItem(l.text); l = this.peek()) {
      const rest = l.text.slice(1);
      const trimmed = rest.trimStart();
      const col = indent + 1 + (rest.length - trimmed.length);
      if (trimmed === '' || trimmed[0] === '#') {
        this.i++;
        out.push(this.nested(indent, false));
      } else if (isSeqItem(trimmed) || trimmed[0] === '?') {
        bail();
      } else if (looksLikeKey(trimmed)) {
        // `- key: value`: a mapping whose indentation is the key's column; the line now starts there
        this.lines[this.i] = { indent: col, text: trimmed, no: l.no };
        out.push(this.map(col));
      } else {
        this.i++;
        out.push(this.value(trimmed, indent, false));
      }
    }
    const after = this.peek();
    if (after && after.indent > indent) bail();
    return out;
  }

  /** The value after `key:` or `- ` (`text`, starting at column `col`) on line `l`; `parent` is the owner's indent. */
  private value(text: string, parent: number, inMap: boolean): unknown {
    const t = text.trimStart();
    if (t === '' || t[0] === '#') return this.nested(parent, inMap);
    const c = t[0]!;
    if (c === '|' || c === '>') return this.blockScalar(t, parent);
    if (c === '[' || c === '{') {
      const f = new Flow(t);
      const v = f.node();
      f.end();
      return v;
    }
    if (c === '"' || c === "'") {
      const [v, end] = quoted(t, 0);
      trailer(t, end);
      return v;
    }
    if (PLAIN_START_BAD.test(t)) bail();
    return resolvePlain(plainLine(t));
  }

  /** `|` or `>` with optional chomping (no explicit indentation); its lines follow, more indented than `parent`. */
  private blockScalar(header: string, parent: number): string {
    const m = /^([|>])([-+]?)(\s+#.*)?\s*$/.exec(header);
    if (!m) bail();
    const folded = m![1] === '>';
    const chomp = m![2];
    // raw lines up to the first non-blank one indented no more than parent
    const start = this.i;
    let end = start;
    let indent = -1;
    let maxBlank = 0;
    while (end < this.lines.length) {
      const l = this.lines[end]!;
      if (l.text === '') {
        if (indent < 0) maxBlank = Math.max(maxBlank, l.indent);
        end++;
        continue;
      }
      if (indent < 0) {
        if (l.indent <= parent) break;
        indent = l.indent;
        if (maxBlank > indent) bail();
      } else if (l.indent < indent) break;
      end++;
    }
    if (indent < 0) {
      // no content: keep (+) keeps the line breaks, which this reader does not count
      if (chomp === '+' && end > start) bail();
      this.i = start;
      return '';
    }
    // trailing blank lines belong to the scalar (chomping decides)
    const body: string[] = [];
    for (let k = start; k < end; k++) {
      const l = this.lines[k]!;
      if (l.text === '') {
        if (l.indent > indent) bail(); // spaces beyond the indentation are content
        body.push('');
      } else {
        const extra = l.indent - indent;
        if (extra > 0 && folded) bail(); // a more-indented line is not folded
        body.push(' '.repeat(extra) + l.text);
      }
    }
    this.i = end;
    let last = body.length;
    while (last > 0 && body[last - 1] === '') last--;
    const trailing = body.length - last;
    let s = '';
    if (folded) {
      let blanks = 0;
      for (let k = 0; k < last; k++) {
        const line = body[k]!;
        if (line === '') {
          blanks++;
          continue;
        }
        if (k > 0 && s !== '') s += blanks ? '\n'.repeat(blanks) : ' ';
        else if (blanks) s += '\n'.repeat(blanks);
        blanks = 0;
        s += line;
      }
    } else {
      s = body.slice(0, last).join('\n');
    }
    if (last === 0) return chomp === '+' ? bail() : '';
    if (chomp === '-') return s;
    if (chomp === '+') return s + '\n'.repeat(trailing + 1);
    return `${s}\n`;
  }
}

function isSeqItem(text: string): boolean {
  return text[0] === '-' && (text.length === 1 || text[1] === ' ');
}

/** Whether `text` starts with `key:` (a plain or quoted key followed by `: ` or `:` at the end). */
function looksLikeKey(text: string): boolean {
  if (text[0] === '"' || text[0] === "'") {
    try {
      const [, end] = quoted(text, 0);
      return text[end] === ':' && (end + 1 === text.length || text[end + 1] === ' ');
    } catch {
      return false;
    }
  }
  if (text[0] === '[' || text[0] === '{') return false;
  const k = keyEnd(text);
  return k >= 0;
}

/** Index of the `:` that ends a plain key (followed by a space or the end), or -1; -1 also before a comment. */
function keyEnd(text: string): number {
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === ':' && (k + 1 === text.length || text[k + 1] === ' ')) return k;
    if (ch === '#' && k > 0 && text[k - 1] === ' ') return -1;
  }
  return -1;
}

/** A block mapping line: its key, and the text after `:` with the column it starts at (relative). */
function splitKey(text: string): { key: string; rest: string; restCol: number } {
  let key: string;
  let colon: number;
  if (text[0] === '"' || text[0] === "'") {
    const [v, end] = quoted(text, 0);
    if (text[end] !== ':') bail();
    key = v;
    colon = end;
  } else {
    colon = keyEnd(text);
    if (colon <= 0 || PLAIN_START_BAD.test(text)) bail();
    const raw = text.slice(0, colon).trimEnd();
    if (typeof resolvePlain(raw) !== 'string') bail(); // a key yaml would read as a number, boolean or null
    key = raw;
  }
  const rest = text.slice(colon + 1);
  if (rest !== '' && rest[0] !== ' ') bail();
  return { key, rest, restCol: colon + 1 };
}

/** A one-line plain scalar in block context: up to a comment; `: ` inside is a nested mapping yaml refuses. */
function plainLine(t: string): string {
  let end = t.length;
  for (let k = 0; k < t.length; k++) {
    const ch = t[k];
    if (ch === '#' && t[k - 1] === ' ') {
      end = k;
      break;
    }
    if (ch === ':' && (k + 1 === t.length || t[k + 1] === ' ')) bail();
  }
  return t.slice(0, end).trimEnd();
}

/** Only a comment may follow a closed scalar or collection on its line. */
function trailer(t: string, from: number): void {
  const rest = t.slice(from);
  if (rest.trim() === '') return;
  if (!/^\s+#/.test(rest)) bail();
}

/** A quoted scalar that closes on this line: its value and the index after the closing quote. */
function quoted(t: string, at: number): [string, number] {
  const q = t[at];
  let out = '';
  let k = at + 1;
  if (q === "'") {
    for (;;) {
      const j = t.indexOf("'", k);
      if (j < 0) bail();
      out += t.slice(k, j);
      if (t[j + 1] === "'") {
        out += "'";
        k = j + 2;
      } else return [out, j + 1];
    }
  }
  for (;;) {
    if (k >= t.length) bail();
    const ch = t[k]!;
    if (ch === '"') return [out, k + 1];
    if (ch !== '\\') {
      out += ch;
      k++;
      continue;
    }
    const e = t[k + 1];
    if (e === undefined) bail(); // a line continuation
    const simple = ESCAPES[e!];
    if (simple !== undefined) {
      out += simple;
      k += 2;
      continue;
    }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = t.slice(k + 2, k + 2 + len);
    if (!len || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) bail();
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) bail();
    out += String.fromCodePoint(cp);
    k += 2 + len;
  }
}

/** A flow collection (`[…]`, `{…}`) that closes on its line. */
class Flow {
  private k = 0;
  constructor(private readonly t: string) {}

  private ws(): void {
    while (this.t[this.k] === ' ') this.k++;
  }

  end(): void {
    trailer(this.t, this.k);
  }

  node(): unknown {
    this.ws();
    const ch = this.t[this.k];
    if (ch === '[') return this.seq();
    if (ch === '{') return this.map();
    if (ch === '"' || ch === "'") {
      const [v, end] = quoted(this.t, this.k);
      this.k = end;
      return v;
    }
    const s = this.plain();
    if (s === '') bail(); // `[ , a]`: an empty entry yaml refuses
    return resolvePlain(s);
  }

  /** A plain scalar inside a flow collection: up to `,` `]` `}`, or a comment. */
  private plain(): string {
    const t = this.t;
    const start = this.k;
    if (PLAIN_START_BAD.test(t.slice(start, start + 1))) bail();
    while (this.k < t.length) {
      const ch = t[this.k];
      if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
      if (ch === '#' && t[this.k - 1] === ' ') bail();
      if (ch === ':' && (this.k + 1 === t.length || ' ,]}'.includes(t[this.k + 1]!))) break;
      this.k++;
    }
    return t.slice(start, this.k).trimEnd();
  }

  private seq(): unknown[] {
    const out: unknown[] = [];
    this.k++; // [
    for (;;) {
      this.ws();
      if (this.t[this.k] === ']') {
        this.k++;
        return out;
      }
      out.push(this.node());
      this.ws();
      const ch = this.t[this.k];
      if (ch === ',') this.k++;
      else if (ch !== ']') bail(); // `[a: b]` (a pair), a missing comma, or the line ended
    }
  }

  private map(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.k++; // {
    for (;;) {
      this.ws();
      if (this.t[this.k] === '}') {
        this.k++;
        return out;
      }
      const ch = this.t[this.k];
      let key: string;
      if (ch === '"' || ch === "'") {
        const [v, end] = quoted(this.t, this.k);
        key = v;
        this.k = end;
      } else {
        const raw = this.plain();
        if (raw === '' || typeof resolvePlain(raw) !== 'string') bail();
        key = raw;
      }
      this.ws();
      if (this.t[this.k] !== ':') bail(); // `{ a }` and other forms yaml reads differently
      this.k++;
      if (Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__' || key === '<<') bail();
      this.ws();
      const next = this.t[this.k];
      out[key] = next === ',' || next === '}' ? null : this.node();
      this.ws();
      const sep = this.t[this.k];
      if (sep === ',') this.k++;
      else if (sep !== '}') bail();
    }
  }
}

/** The descriptor file's data and name positions, or undefined when `yaml` must read it. */
export function fastYaml(text: string): FastYaml | undefined {
  if (!text.endsWith('\n') || text.includes('\r') || text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  const raw = text.split('\n');
  raw.pop(); // after the line break that ends the last line (a text without one is left to yaml)
  const lines: Line[] = new Array(raw.length);
  for (let n = 0; n < raw.length; n++) {
    const s = raw[n]!;
    let ind = 0;
    while (s.charCodeAt(ind) === 32) ind++;
    const body = s.slice(ind).trimEnd();
    if (ind === 0 && (body.startsWith('---') || body.startsWith('...') || body[0] === '%')) return undefined;
    lines[n] = { indent: ind, text: body, no: n + 1 };
  }
  const reader = new Reader(lines);
  try {
    return { data: reader.document(), namePos: reader.namePos };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
