/** HCL source positions and diagnostics, formatted as hashicorp/hcl prints them. */

export interface Pos {
  line: number;
  col: number;
  byte: number;
}

export interface Range {
  start: Pos;
  end: Pos;
}

/** `file:line,col-col` or `file:line,col-line,col` (hcl.Range.String). */
export function rangeString(file: string, r: Range): string {
  if (r.start.line === r.end.line) return `${file}:${r.start.line},${r.start.col}-${r.end.col}`;
  return `${file}:${r.start.line},${r.start.col}-${r.end.line},${r.end.col}`;
}

export function between(a: Range, b: Range): Range {
  return { start: a.start, end: b.end };
}

/** An error diagnostic: `input.hcl:3,5-6: Summary; Detail`. */
export class HclError extends Error {
  constructor(readonly summary: string, readonly detail: string, readonly range: Range, readonly file = 'input.hcl') {
    super(`${rangeString(file, range)}: ${summary}; ${detail}`);
  }
}
