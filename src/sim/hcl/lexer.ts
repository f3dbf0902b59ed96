/**
 * Tokenizer for HCL native syntax: identifiers, numbers, punctuation, newlines, comments
 * (`#`, `//`, `/* *\/`), quoted templates and heredocs (`<<EOF`, `<<-EOF`) whose `${…}`
 * interpolations are tokenized recursively.
 */
import { HclError, type Pos, type Range } from './diagnostic.js';

export type TokType = 'ident' | 'number' | 'punct' | 'newline' | 'eof' | 'template';

export type TemplatePart = { lit: string; range: Range } | { tokens: Tok[]; range: Range };

export interface Tok {
  type: TokType;
  text: string;
  range: Range;
  /** For templates: literal and interpolation parts. */
  parts?: TemplatePart[];
  /** Quoted (vs heredoc) template. */
  quoted?: boolean;
}

const PUNCT3 = ['...'];
const PUNCT2 = ['==', '!=', '<=', '>=', '&&', '||', '=>'];
const PUNCT1 = '{}[](),=.:?!+-*/%<>';

export class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(private readonly src: string) {}

  private pos(): Pos {
    return { line: this.line, col: this.col, byte: this.i };
  }

  private advance(n = 1): void {
    for (let k = 0; k < n && this.i < this.src.length; k++) {
      if (this.src[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else {
        this.col++;
      }
      this.i++;
    }
  }

  private peekStr(s: string): boolean {
    return this.src.startsWith(s, this.i);
  }

  private range(start: Pos): Range {
    return { start, end: this.pos() };
  }

  /** All tokens of the file, ending with eof. */
  tokenize(): Tok[] {
    const out: Tok[] = [];
    for (;;) {
      const t = this.token(false);
      out.push(t);
      if (t.type === 'eof') return out;
    }
  }

  /** Skips blanks and comments; returns a newline token if one was crossed (when significant). */
  private skip(): Tok | undefined {
    for (;;) {
      const c = this.src[this.i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') {
        this.advance();
      } else if (c === '#' || this.peekStr('//')) {
        while (this.i < this.src.length && this.src[this.i] !== '\n') this.advance();
      } else if (this.peekStr('/*')) {
        const start = this.pos();
        const end = this.src.indexOf('*/', this.i + 2);
        if (end < 0) {
          throw new HclError('Unterminated template string', 'No closing marker was found for the comment.', { start, end: { ...start, col: start.col + 2, byte: start.byte + 2 } });
        }
        this.advance(end + 2 - this.i);
      } else {
        return undefined;
      }
    }
  }

  /** One token; inside an interpolation newlines are skipped. */
  token(inInterp: boolean): Tok {
    this.skip();
    const start = this.pos();
    if (this.i >= this.src.length) return { type: 'eof', text: '', range: this.range(start) };
    const c = this.src[this.i];
    if (c === '\n') {
      this.advance();
      if (inInterp) return this.token(true);
      return { type: 'newline', text: '\n', range: this.range(start) };
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.i, this.i + 256))!;
      this.advance(m[0].length);
      return { type: 'ident', text: m[0], range: this.range(start) };
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.src.slice(this.i, this.i + 64))!;
      this.advance(m[0].length);
      return { type: 'number', text: m[0], range: this.range(start) };
    }
    if (c === '"') return this.quoted(start);
    if (this.peekStr('<<')) {
      const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(this.src.slice(this.i, this.i + 300));
      if (m) return this.heredoc(start, m[1] === '-', m[2], m[0].length);
    }
    for (const p of PUNCT3) if (this.peekStr(p)) return this.punct(start, p);
    for (const p of PUNCT2) if (this.peekStr(p)) return this.punct(start, p);
    if (PUNCT1.includes(c)) return this.punct(start, c);
    this.advance();
    throw new HclError('Invalid character', 'This character is not used within the language.', this.range(start));
  }

  private punct(start: Pos, p: string): Tok {
    this.advance(p.length);
    return { type: 'punct', text: p, range: this.range(start) };
  }

  /** Tokens of `${ … }` after the opening `${`, up to and excluding the matching `}`. */
  private interpolation(open: Pos): Tok[] {
    const toks: Tok[] = [];
    let depth = 0;
    for (;;) {
      const t = this.token(true);
      if (t.type === 'eof') {
        throw new HclError('Unterminated template string', 'No closing marker was found for the string.', { start: open, end: { ...open, col: open.col + 2, byte: open.byte + 2 } });
      }
      if (t.type === 'punct' && t.text === '{') depth++;
      if (t.type === 'punct' && t.text === '}') {
        if (depth === 0) {
          toks.push({ type: 'eof', text: '', range: t.range });
          return toks;
        }
        depth--;
      }
      toks.push(t);
    }
  }

  private quoted(start: Pos): Tok {
    this.advance(); // opening quote
    const parts: TemplatePart[] = [];
    let lit = '';
    let litStart = this.pos();
    const flush = () => {
      if (lit) parts.push({ lit, range: { start: litStart, end: this.pos() } });
      lit = '';
    };
    for (;;) {
      if (this.i >= this.src.length || this.src[this.i] === '\n') {
        throw new HclError('Unterminated template string', 'No closing marker was found for the string.', { start, end: this.pos() });
      }
      const c = this.src[this.i];
      if (c === '"') {
        flush();
        this.advance();
        return { type: 'template', text: this.src.slice(start.byte, this.i), range: this.range(start), parts, quoted: true };
      }
      if (c === '\\') {
        const escStart = this.pos();
        const e = this.src[this.i + 1];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (e !== undefined && e in simple) {
          lit += simple[e];
          this.advance(2);
          continue;
        }
        const u = /^\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})/.exec(this.src.slice(this.i, this.i + 10));
        if (u) {
          lit += String.fromCodePoint(parseInt(u[1].slice(1), 16));
          this.advance(u[0].length);
          continue;
        }
        this.advance(2);
        throw new HclError('Invalid escape sequence', `The symbol ${JSON.stringify(e ?? '')} is not a valid escape sequence selector.`, { start: escStart, end: this.pos() });
      }
      if (this.peekStr('$${') || this.peekStr('%%{')) {
        lit += this.src[this.i] + '{';
        this.advance(3);
        continue;
      }
      if (this.peekStr('${')) {
        flush();
        const open = this.pos();
        this.advance(2);
        const tokens = this.interpolation(open);
        parts.push({ tokens, range: { start: open, end: this.pos() } });
        litStart = this.pos();
        continue;
      }
      lit += c;
      this.advance();
    }
  }

  private heredoc(start: Pos, strip: boolean, marker: string, headerLen: number): Tok {
    this.advance(headerLen);
    // Find the closing marker line first, then tokenize the content as a template.
    const lines: { text: string; startByte: number }[] = [];
    let scan = this.i;
    let endByte = -1;
    while (scan <= this.src.length) {
      const nl = this.src.indexOf('\n', scan);
      const lineEnd = nl < 0 ? this.src.length : nl;
      const text = this.src.slice(scan, lineEnd).replace(/\r$/, '');
      if (text.trim() === marker) {
        endByte = scan + this.src.slice(scan, lineEnd).indexOf(marker) + marker.length;
        break;
      }
      lines.push({ text, startByte: scan });
      if (nl < 0) break;
      scan = nl + 1;
    }
    if (endByte < 0) {
      throw new HclError('Unterminated template string', `No closing marker was found for the heredoc. Expected "${marker}" on a line of its own.`, { start, end: { ...start, col: start.col + headerLen - 1, byte: start.byte + headerLen - 1 } });
    }
    let indent = 0;
    if (strip) {
      const widths = lines.filter((l) => l.text.trim() !== '').map((l) => /^[ \t]*/.exec(l.text)![0].length);
      indent = widths.length ? Math.min(...widths) : 0;
    }
    // Tokenize line by line so interpolations keep real positions.
    const parts: TemplatePart[] = [];
    for (const l of lines) {
      // move to the line start (plus stripped indent)
      this.advance(l.startByte + Math.min(indent, l.text.length) - this.i);
      const lineEndByte = l.startByte + l.text.length;
      let lit = '';
      let litStart = this.pos();
      while (this.i < lineEndByte) {
        if (this.peekStr('$${') || this.peekStr('%%{')) {
          lit += this.src[this.i] + '{';
          this.advance(3);
          continue;
        }
        if (this.peekStr('${')) {
          if (lit) parts.push({ lit, range: { start: litStart, end: this.pos() } });
          lit = '';
          const open = this.pos();
          this.advance(2);
          parts.push({ tokens: this.interpolation(open), range: { start: open, end: this.pos() } });
          litStart = this.pos();
          continue;
        }
        lit += this.src[this.i];
        this.advance();
      }
      lit += '\n';
      parts.push({ lit, range: { start: litStart, end: this.pos() } });
    }
    this.advance(endByte - this.i);
    return { type: 'template', text: this.src.slice(start.byte, this.i), range: this.range(start), parts, quoted: false };
  }
}
