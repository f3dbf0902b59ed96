#!/usr/bin/env node
// Redaction time per input size on worst-case inputs (each the start of a costly match at every
// position for a backtracking engine). Linear means the time grows with the size, not its square.
import { redact } from '../dist/plugins/lib/redact.js';
import { fmt, table } from './lib.mjs';

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
  'log lines': (n) => fill('2024-01-01T00:00:00Z INFO GET /api/items?id=42 served in 12ms user=bob DB_PASSWORD=hunter2\n', n),
};

const rows = [];
for (const [name, gen] of Object.entries(INPUTS)) {
  const row = { input: name };
  for (const size of SIZES) {
    const text = gen(size);
    redact(text.slice(0, 1024)); // warm
    const runs = size <= 16 * KiB ? 20 : 3;
    const t = performance.now();
    for (let i = 0; i < runs; i++) redact(text);
    row[`${size / KiB} KiB ms`] = fmt((performance.now() - t) / runs, 2);
  }
  rows.push(row);
}
table(rows);
console.log('target: 1 MiB well under 100 ms');
