import { describe, expect, it } from 'vitest';
import { shape } from '../../src/host/shape.js';
import { ageText, tableLines, timeWithAge } from '../../src/host/table.js';
import type { ResponseSpec } from '../../src/host/types.js';

// a fixed clock: every age below is computed from it, as the server computes it from its own at answer time
const NOW = Date.parse('2026-11-29T19:16:11Z');
const ISO = '2026-11-29T19:02:11Z';
const NS = Date.parse(ISO) * 1e6; // Nomad's int64 nanoseconds (SubmitTime, ModifyTime, CreateTime)

const jobs = [
  { ID: 'web', Type: 'service', Status: 'running', Stop: false, Summary: { frontend: { Queued: 0, Complete: 0, Failed: 1, Running: 3, Starting: 0, Lost: 0 } } },
  { ID: 'nightly-report', Type: 'batch', Status: 'dead', Stop: true, Summary: { report: { Queued: 0, Complete: 0, Failed: 0, Running: 0 } } },
];
const JOB_TABLE: ResponseSpec['table'] = ['ID', 'Type', 'Status', { Stop: 'flag' }, { Summary: 'counts' }];

describe('ages', () => {
  it('counts seconds, minutes, hours and days back from the clock', () => {
    expect(ageText(new Date(NOW - 45_000), NOW)).toBe('45s ago');
    expect(ageText(new Date(NOW - 14 * 60_000), NOW)).toBe('14m ago');
    expect(ageText(new Date(NOW - 5 * 3600_000), NOW)).toBe('5h ago');
    expect(ageText(new Date(NOW - 47 * 3600_000), NOW)).toBe('47h ago');
    expect(ageText(new Date(NOW - 3 * 86400_000), NOW)).toBe('3d ago');
    expect(ageText(new Date(NOW), NOW)).toBe('now');
  });

  it('says a time ahead of the clock (a token expiry, another host’s clock) as "in …", never a negative age', () => {
    expect(ageText(new Date(NOW + 14 * 60_000), NOW)).toBe('in 14m');
    expect(ageText(new Date(NOW + 2 * 86400_000), NOW)).toBe('in 2d');
  });

  it('reads nanosecond epochs and RFC 3339 text as the same instant; zero and invalid times are nothing', () => {
    expect(timeWithAge(NS, NOW)).toBe('2026-11-29T19:02:11Z (14m ago)');
    expect(timeWithAge(ISO, NOW)).toBe('2026-11-29T19:02:11Z (14m ago)');
    // Nomad's RFC 3339 text has nanoseconds and an offset; ages are whole units rounded down (13m59s is 13m)
    expect(timeWithAge('2026-11-29T20:02:11.123456789+01:00', NOW)).toBe('2026-11-29T19:02:11Z (13m ago)');
    expect(timeWithAge(0, NOW)).toBeUndefined();
    expect(timeWithAge('0001-01-01T00:00:00Z', NOW)).toBeUndefined();
    expect(timeWithAge('yesterday', NOW)).toBeUndefined();
  });
});

describe('tableLines', () => {
  it('a header, then one aligned line per item; zero counters left out, true flags as yes', () => {
    expect(tableLines(jobs, JOB_TABLE, NOW)).toEqual([
      'ID              Type     Status   Stop  Summary',
      'web             service  running  -     frontend: failed 1 running 3',
      'nightly-report  batch    dead     yes   report: 0',
    ]);
  });

  it('flat counters keep their names; booleans and text in counter objects; absent values as "-"', () => {
    const items = [
      { ID: 'a', Queued: { web: 0, api: 2 }, Tasks: { app: { State: 'dead', Failed: true, Restarts: 4 } } },
      { ID: 'b', Queued: { web: 0 }, Tasks: null },
      { ID: 'c' },
    ];
    expect(tableLines(items, ['ID', { Queued: 'counts' }, { Tasks: 'counts' }], NOW)).toEqual([
      'ID  Queued  Tasks',
      'a   api 2   app: dead failed restarts 4',
      'b   -       -',
      'c   -       -',
    ]);
  });

  it('times as ISO and age, from nanoseconds or text; lists joined; nested paths; a line break in a value stays on its line', () => {
    const items = [
      { ID: 'x', T: NS, Roles: [{ Name: 'ops' }, { Name: 'dev' }], D: 'first\nsecond' },
      { ID: 'y', T: ISO, Roles: [], D: '' },
    ];
    expect(tableLines(items, ['ID', { T: 'time' }, { T: 'age' }, 'Roles.Name', 'D'], NOW)).toEqual([
      'ID  T                               T        Roles.Name  D',
      'x   2026-11-29T19:02:11Z (14m ago)  14m ago  ops,dev     first second',
      'y   2026-11-29T19:02:11Z (14m ago)  14m ago  -           -',
    ]);
  });
});

describe('shape with a table', () => {
  const spec: ResponseSpec = { table: JOB_TABLE, hint: 'narrow with prefix' };

  it('the text is the table, structuredContent keeps every picked field (zeros too)', () => {
    const r = shape(jobs, spec, { args: {}, maxBytes: 10_000, now: NOW });
    expect(r.text.split('\n')).toHaveLength(3);
    expect(r.text).toContain('web             service  running  -     frontend: failed 1 running 3');
    expect(r.text).not.toContain('Queued');
    expect(r.structured).toEqual({ items: jobs, total: 2 });
    expect(r.truncated).toBe(false);
  });

  it('detail: "full" gives the JSON form instead', () => {
    const r = shape(jobs, spec, { args: { detail: 'full' }, maxBytes: 10_000, now: NOW });
    expect(r.text).toBe(`[\n${jobs.map((j) => JSON.stringify(j)).join(',\n')}\n]`);
    expect(r.structured).toEqual({ items: jobs, total: 2 });
  });

  it('an empty list: the descriptor’s text, or "No items." (never a lone header)', () => {
    expect(shape([], { ...spec, empty: 'No jobs match.' }, { args: {}, maxBytes: 1000 }).text).toBe('No jobs match.');
    expect(shape([], spec, { args: {}, maxBytes: 1000 }).text).toBe('No items.');
    expect(shape([], spec, { args: {}, maxBytes: 1000 }).structured).toEqual({ items: [], total: 0 });
  });

  it('a long list is cut on whole lines with the marker and hint; structuredContent holds the items shown', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ ID: `job-${String(i).padStart(3, '0')}`, Type: 'service', Status: 'running', Stop: false, Summary: { g: { Running: 1 } } }));
    const r = shape(many, spec, { args: {}, maxBytes: 2000, now: NOW });
    const [body, marker] = r.text.split('\n… ');
    const lines = body.split('\n');
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(2000);
    expect(lines[0]).toMatch(/^ID +Type +Status +Stop +Summary$/);
    expect(lines.slice(1).every((l) => /^job-\d{3} +service +running +- +g: running 1$/.test(l))).toBe(true);
    const shown = lines.length - 1;
    expect(marker).toBe(`[truncated: showing ${shown} of 200 items; narrow with prefix]`);
    expect(r.truncated).toBe(true);
    expect(r.structured).toEqual({ items: many.slice(0, shown), total: 200, truncated: true });
  });
});

describe('ages in JSON text and templates', () => {
  it('response.times: the text adds each time’s age, structuredContent keeps the ISO time alone', () => {
    const job = { ID: 'web', SubmitTime: NS, Versions: [{ Version: 1, SubmitTime: NS - 3600e9 }] };
    const r = shape(job, { times: ['SubmitTime', 'Versions.SubmitTime'] }, { args: {}, maxBytes: 10_000, now: NOW });
    expect(r.text).toBe('{"ID":"web","SubmitTime":"2026-11-29T19:02:11Z (14m ago)","Versions":[{"Version":1,"SubmitTime":"2026-11-29T18:02:11Z (1h ago)"}]}');
    expect(r.structured).toEqual({ ID: 'web', SubmitTime: ISO, Versions: [{ Version: 1, SubmitTime: '2026-11-29T18:02:11Z' }] });
  });
});
