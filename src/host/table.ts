import { getPath, nomadDate } from './shape.js';
import type { JsonObject, TableColumn, TableFormat } from './types.js';

/**
 * `response.table`: a list answer as a compact text table for a model, one line per item under a header line,
 * columns aligned with two spaces (as the Nomad CLI prints its lists). structuredContent keeps the picked
 * objects whole; `detail: "full"` gives the JSON form instead.
 *
 * Cell formats:
 * - text (default): scalars as they are, lists joined with ",", objects as compact JSON; absent/empty = "-";
 * - counts: `{web: {Running: 3, Failed: 1, Lost: 0}}` → `web: running 3 failed 1` (zero and false dropped,
 *   true as the key, text as the value); a flat `{web: 2, api: 0}` → `web 2`; nothing left = "-" (or `web: 0`);
 * - time: a Nomad time (int64 nanoseconds, milliseconds or RFC 3339) → `2026-11-29T19:02:11Z (14m ago)`;
 * - age: the relative age alone (`14m ago`);
 * - flag: true → "yes", anything else → "-".
 */
interface Column {
  header: string;
  path: string[];
  format: TableFormat;
}

const compiled = new WeakMap<TableColumn[], Column[]>();

function columnsOf(spec: TableColumn[]): Column[] {
  let cols = compiled.get(spec);
  if (!cols) {
    cols = spec.map((c) => {
      const [path, format] = typeof c === 'string' ? [c, 'text' as TableFormat] : (Object.entries(c)[0] as [string, TableFormat]);
      const parts = path.split('.');
      return { header: path, path: parts, format };
    });
    compiled.set(spec, cols);
  }
  return cols;
}

/** Relative age of `d` at `now`: `45s ago`, `14m ago`, `5h ago`, `3d ago`; a time ahead of `now` is `in 14m`. */
export function ageText(d: Date, now: number): string {
  const ms = now - d.getTime();
  const s = Math.floor(Math.abs(ms) / 1000);
  const span = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 48 * 3600 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`;
  if (s === 0) return 'now';
  return ms < 0 ? `in ${span}` : `${span} ago`;
}

/** A Nomad time as ISO text plus its age: `2026-11-29T19:02:11Z (14m ago)`; zero and invalid times are undefined. */
export function timeWithAge(v: unknown, now: number): string | undefined {
  const d = nomadDate(v);
  return d ? `${d.toISOString().replace(/\.\d{3}Z$/, 'Z')} (${ageText(d, now)})` : undefined;
}

const lowerFirst = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);

/**
 * The non-zero entries of a flat counter object: `running 3 failed 1`; empty when every counter is zero.
 * Counter names (`Running`) are lower-cased; names of groups (`{web: 2}`) are kept as they are.
 */
function counters(o: JsonObject, names: (k: string) => string): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === true) out.push(names(k));
    else if (typeof v === 'number' && v !== 0) out.push(`${names(k)} ${v}`);
    else if (typeof v === 'string' && v) out.push(v);
  }
  return out.join(' ');
}

const asIs = (k: string) => k;

function countsCell(v: unknown): string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return textCell(v);
  const entries = Object.entries(v as JsonObject);
  if (entries.every(([, e]) => e === null || typeof e !== 'object')) return counters(v as JsonObject, asIs);
  // one counter object per group: `web: running 3, api: queued 1`
  return entries
    .map(([k, e]) => {
      const c = e && typeof e === 'object' && !Array.isArray(e) ? counters(e as JsonObject, lowerFirst) : textCell(e);
      return `${k}: ${c || '0'}`;
    })
    .join(', ');
}

function textCell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((e) => (e !== null && typeof e === 'object' ? JSON.stringify(e) : String(e))).join(',');
  return JSON.stringify(v);
}

function cell(v: unknown, format: TableFormat, now: number): string {
  switch (format) {
    case 'counts':
      return countsCell(v);
    case 'time':
      return timeWithAge(v, now) ?? '';
    case 'age': {
      const d = nomadDate(v);
      return d ? ageText(d, now) : '';
    }
    case 'flag':
      return v === true ? 'yes' : '';
    default:
      return textCell(v);
  }
}

/** Line breaks and tabs inside a cell would break "one item per line". */
const oneLine = (s: string) => (/[\r\n\t]/.test(s) ? s.replace(/[\r\n\t]+/g, ' ') : s);

/** The lines of a table: the header first, then one line per item (no trailing spaces). */
export function tableLines(items: unknown[], spec: TableColumn[], now = Date.now()): string[] {
  const cols = columnsOf(spec);
  const rows = items.map((item) => cols.map((c) => oneLine(cell(getPath(item, c.path), c.format, now)) || '-'));
  const widths = cols.map((c, i) => rows.reduce((w, r) => Math.max(w, r[i].length), c.header.length));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (i < cells.length - 1 ? s.padEnd(widths[i]) : s))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.header)), ...rows.map(line)];
}
