import { describe, expect, it } from 'vitest';
import { compilePick, shape, truncateText } from '../../src/host/shape.js';

const jobs = [
  { ID: 'web', Type: 'service', JobSummary: { Summary: { frontend: { Running: 2 } } }, Big: 'x'.repeat(100) },
  { ID: 'batch', Type: 'batch', JobSummary: { Summary: { report: { Complete: 1 } } }, Big: 'y'.repeat(100) },
];

describe('pick', () => {
  it('keeps dotted paths per element of arrays', () => {
    const pick = compilePick(['ID', 'JobSummary.Summary'])!;
    expect(pick(jobs)).toEqual([
      { ID: 'web', JobSummary: { Summary: { frontend: { Running: 2 } } } },
      { ID: 'batch', JobSummary: { Summary: { report: { Complete: 1 } } } },
    ]);
  });

  it('maps into nested arrays and wildcards', () => {
    const job = { TaskGroups: [{ Name: 'a', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Env: { X: 1 } }] }] };
    expect(compilePick(['TaskGroups.Name', 'TaskGroups.Tasks.Driver'])!(job)).toEqual({ TaskGroups: [{ Name: 'a', Tasks: [{ Driver: 'docker' }] }] });
    expect(compilePick(['S.*.Running'])!({ S: { a: { Running: 1, Failed: 0 }, b: { Running: 2 } } })).toEqual({ S: { a: { Running: 1 }, b: { Running: 2 } } });
  });

  it('renames with the map form', () => {
    expect(compilePick({ id: 'ID', summary: 'JobSummary.Summary' })!(jobs[0])).toEqual({ id: 'web', summary: { frontend: { Running: 2 } } });
  });
});

describe('shape', () => {
  it('answers compact JSON text and structured content', () => {
    const s = shape(jobs, { pick: ['ID', 'Type'] }, { args: {}, maxBytes: 10_000, pick: compilePick(['ID', 'Type']) });
    expect(s.text).toBe('[\n{"ID":"web","Type":"service"},\n{"ID":"batch","Type":"batch"}\n]');
    expect(s.structured).toEqual({ items: [{ ID: 'web', Type: 'service' }, { ID: 'batch', Type: 'batch' }], total: 2 });
    expect(s.truncated).toBe(false);
  });

  it('truncates lists with a marker and a hint', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ ID: `job-${i}`, Pad: 'p'.repeat(50) }));
    const s = shape(many, { hint: 'use prefix' }, { args: {}, maxBytes: 2000 });
    expect(s.truncated).toBe(true);
    expect(Buffer.byteLength(s.text)).toBeLessThan(2400);
    expect(s.text).toMatch(/… \[truncated: showing \d+ of 500 items; use prefix\]/);
    expect((s.structured!.items as unknown[]).length).toBeLessThan(500);
    expect(s.structured!.truncated).toBe(true);
  });

  it('renders a template with result and args', () => {
    const s = shape({ EvalID: 'abc' }, {}, { args: { job_id: 'web' }, maxBytes: 1000, template: (c) => `eval ${(c.result as { EvalID: string }).EvalID} for ${(c.args as { job_id: string }).job_id}` });
    expect(s.text).toBe('eval abc for web');
  });

  it('says so when a list is empty and the descriptor has an empty text', () => {
    expect(shape([], { empty: 'No jobs match.' }, { args: {}, maxBytes: 100 }).text).toBe('No jobs match.');
  });
});

describe('truncateText', () => {
  it('cuts on a line boundary and marks it', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const t = truncateText(text, 200);
    expect(t.truncated).toBe(true);
    expect(t.text).toMatch(/line \d+\n… \[truncated: first \d+ of \d+ bytes;/);
  });
});

describe('times and secrets', () => {
  it('shows Nomad nanosecond times as ISO text, zero times as null', () => {
    const s = shape([{ ID: 'a', ModifyTime: 1795696228462000000 }, { ID: 'b', ModifyTime: 0 }], { times: ['ModifyTime'] }, { args: {}, maxBytes: 1000 });
    expect(s.structured!.items).toEqual([{ ID: 'a', ModifyTime: '2026-11-26T12:30:28Z' }, { ID: 'b', ModifyTime: null }]);
  });

  it('hides secret values at paths, every key with *', async () => {
    const { hideSecrets } = await import('../../src/host/shape.js');
    const v = { Path: 'app/db', Items: { user: 'u', password: 'p' } };
    expect(hideSecrets(v, ['Items.*'])).toBe(true);
    expect(v).toEqual({ Path: 'app/db', Items: { user: '(hidden)', password: '(hidden)' } });
    expect(hideSecrets({ Path: 'x' }, ['Items.*'])).toBe(false);
  });
});

describe('nomadTime', () => {
  it('one reading of Nomad times: nanoseconds, RFC 3339, zero', async () => {
    const { nomadTime } = await import('../../src/host/shape.js');
    expect(nomadTime(1795696228462000000)).toBe('2026-11-26T12:30:28Z');
    expect(nomadTime('2026-11-26T12:30:28.123456789Z')).toBe('2026-11-26T12:30:28Z');
    expect(nomadTime(0)).toBeUndefined();
    expect(nomadTime('0001-01-01T00:00:00Z')).toBeUndefined();
  });
});
