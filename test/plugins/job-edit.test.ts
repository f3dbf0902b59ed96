/** applyJobChanges: the small edits edit_job makes, on a copy, one line per change; ambiguity is refused. */
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../src/host/errors.js';
import { applyJobChanges } from '../../src/plugins/lib/job-edit.js';
import type { Job } from '../../src/plugins/lib/nomad.js';

const job = (): Job => ({
  ID: 'shop',
  Meta: { owner: 'a' },
  TaskGroups: [
    { Name: 'web', Count: 2, Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'nginx:1' }, Env: { A: '1' }, Resources: { CPU: 100, MemoryMB: 64 } }] },
    { Name: 'batch', Count: 1, Tasks: [{ Name: 'run', Driver: 'exec', Config: { command: '/bin/true' } }, { Name: 'side', Driver: 'docker', Config: { image: 'x:1' } }] },
  ] as Job['TaskGroups'],
});

describe('applyJobChanges', () => {
  it('changes a copy and says each change once; values already set are no change', () => {
    const original = job();
    const { job: out, edits } = applyJobChanges(original, { group: 'web', count: 3, image: 'nginx:2', env: { A: null, B: '2' }, cpu: 100, memory: 128, meta: { owner: 'b', team: 'c' } });
    expect(edits).toEqual([
      'group web count: 2 → 3',
      'group web task app image: nginx:1 → nginx:2',
      'group web task app env A removed',
      'group web task app env B: (none) → 2',
      'group web task app memory: 64 → 128 MB',
      'job meta owner: a → b',
      'job meta team: (none) → c',
    ]);
    expect(original.TaskGroups![0].Count).toBe(2);
    const t = (out.TaskGroups![0] as unknown as { Tasks: { Config: { image: string }; Env: Record<string, string> }[] }).Tasks[0];
    expect(t.Config.image).toBe('nginx:2');
    expect(t.Env).toEqual({ B: '2' });
  });

  it('refuses what it cannot decide or do, naming the choices', () => {
    const msg = (c: Parameters<typeof applyJobChanges>[1]) => {
      try {
        applyJobChanges(job(), c);
      } catch (e) {
        expect(e).toBeInstanceOf(ToolError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(msg({})).toContain('changes is empty');
    expect(msg({ count: 1 })).toBe('Job shop has groups web, batch: say which one gets count 1 with changes.group.');
    expect(msg({ group: 'batch', memory: 10 })).toBe('Job shop has tasks run, side: say which one to change with changes.task (and changes.group).');
    expect(msg({ group: 'batch', task: 'run', image: 'y' })).toBe('Task run (driver exec) has no image to change.');
    expect(msg({ task: 'nope', cpu: 1 })).toBe('Job shop has no task "nope" (its tasks: app, run, side).');
  });
});
