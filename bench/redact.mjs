#!/usr/bin/env node
// Redaction time per input size on worst-case inputs (each the start of a costly match at every
// position for a backtracking engine). Linear means the time grows with the size, not its square.
import { redact } from '../dist/plugins/lib/redact.js';
import { bestCpuMs, fmt, table } from './lib.mjs';

const KiB = 1024;
const SIZES = [1, 4, 16, 64, 256, 1024].map((k) => k * KiB);
const fill = (unit, n) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const INPUTS = {
  'a.': (n) => fill('a.', n),
  'password=': (n) => fill('password=', n),
  'PEM without END': (n) => fill('-----BEGIN PRIVATE KEY-----', n),
  'URL, ":" and no "@"': (n) => `${fill('a.', n / 2)}://x:${fill('y:', n / 2)}`,
  'Bearer ': (n) => fill('Bearer ', n),
  'Authorization: blanks': (n) => `Authorization:${' '.repeat(n)}`,
  '-eyJ': (n) => fill('-eyJ', n),
  'AWS key IDs': (n) => fill('AKIAABCDEFGHIJKLMNOP ', n),
  'log lines': (n) => fill('2024-01-01T00:00:00Z INFO GET /api/items?id=42 served in 12ms user=bob DB_PASSWORD=hunter2\n', n),
};

// CPU time, the best of a few runs after warming up (bench/lib.mjs bestCpuMs). A replace over the same text is the yardstick.
const best = bestCpuMs;
const rows = [];
for (const [name, gen] of Object.entries({ ...INPUTS, 'yardstick: log lines .replace(/e/g)': null })) {
  const row = { input: name };
  for (const size of SIZES) {
    const text = (gen ?? INPUTS['log lines'])(size);
    const fn = gen ? () => redact(text) : () => text.replace(/e/g, 'E');
    best(fn, 2); // warm up
    row[`${size / KiB} KiB`] = fmt(best(fn, size <= 64 * KiB ? 10 : 4), 2);
  }
  rows.push(row);
}
table(rows);
console.log('CPU ms per redact() call; target: 1 MiB well under 100 ms');
