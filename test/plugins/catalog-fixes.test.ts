/** Plugin fixes found by the catalog end-to-end tests: put_variable conflicts, submit_job_file's Submission. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/host/types.js';
import { builtinPlugins } from '../../src/plugins/index.js';
import { conflictText } from '../../src/plugins/put-variable.js';
import { jobSubmission } from '../../src/plugins/submit-job.js';
import { multiErrorLines } from '../../src/plugins/validate-job.js';
import { awaitsPromotion } from '../../src/plugins/wait-for-deployment.js';
import { type Call, fakeCtx, textOf } from './fake.js';

const plugins = builtinPlugins();
type Ctx = ReturnType<typeof fakeCtx>['ctx'];
const run = (name: string, args: JsonObject, ctx: Ctx) => plugins.get(name)!.call(args, ctx);

describe('put-variable (scripted)', () => {
  const CURRENT = { Namespace: 'default', Path: 'app/db', CreateIndex: 5, ModifyIndex: 9, Items: { password: 's3cret' } };

  it('writes the items with cas in the query and answers the keys, not the values', async () => {
    const { ctx, calls } = fakeCtx((c) => (c.method === 'PUT' && c.path === '/v1/var/app/db' ? { ...CURRENT, ModifyIndex: 10, Items: { password: 'n3w', user: 'x' } } : undefined));
    const r = await run('put-variable', { path: 'app/db', items: { password: 'n3w', user: 'x' }, cas: 9 }, ctx);
    expect(calls[0]).toMatchObject({ method: 'PUT', path: '/v1/var/app/db', query: { cas: 9 }, body: { Items: { password: 'n3w', user: 'x' } } });
    expect(textOf(r)).toBe('Variable app/db written (modify index 10, keys: password, user).');
    expect(JSON.stringify(r)).not.toContain('n3w');
    const { ctx: c2, calls: calls2 } = fakeCtx(() => CURRENT);
    await run('put-variable', { path: '/a/b/', items: { k: 'v' } }, c2);
    expect(calls2[0].path).toBe('/v1/var/a/b');
    expect(calls2[0].query).not.toHaveProperty('cas');
  });

  // Nomad's rule, nomad/structs/variables.go:365; `..` would climb on a normalising proxy even as %2E%2E
  it('refuses a path outside ^[a-zA-Z0-9-_~/]{1,128}$ or with an empty segment before sending anything', async () => {
    for (const path of ['a/../b', '../allocation/x/stop', 'a.b', `x/${'a'.repeat(127)}`, 'a//b', '', 'a b']) {
      const { ctx, calls } = fakeCtx(() => CURRENT);
      const err = await run('put-variable', { path, items: { k: 'v' } }, ctx).catch((e: Error) => e);
      expect(err, path).toBeInstanceOf(Error);
      expect((err as Error).message, path).toMatch(/variable path/);
      expect(calls, path).toEqual([]);
    }
  });

  it('a 409 says check-and-set failed with the current index, reads only metadata, never shows the values', async () => {
    const route = (c: Call) => {
      if (c.method === 'PUT') return { status: 409, error: JSON.stringify(CURRENT) };
      if (c.method === 'GET' && c.path === '/v1/vars') return [{ Namespace: 'default', Path: 'app/db2', ModifyIndex: 3 }, { Namespace: 'default', Path: 'app/db', ModifyIndex: 9 }];
      return undefined;
    };
    const { ctx, calls } = fakeCtx(route);
    const err = await run('put-variable', { path: 'app/db', items: { password: 'x' }, cas: 4 }, ctx).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      'Variable app/db was not written: the check-and-set failed: it was expected at modify index 4, but someone changed it since; its modify index is now 9. Read it again with get_variable, then retry put_variable with cas=9 if you still want to replace it.',
    );
    expect((err as Error).message).not.toContain('s3cret');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PUT /v1/var/app/db', 'GET /v1/vars']);
    expect(calls[1].query.prefix).toBe('app/db');
    const noCas = await run('put-variable', { path: 'app/db', items: { password: 'x' } }, ctx).catch((e: Error) => e);
    expect((noCas as Error).message).toMatch(/^Variable app\/db was not written: Nomad reported a conflict \(409/);
    expect((noCas as Error).message).not.toContain('s3cret');
  });

  it('conflict sentences for cas=0, a vanished variable and an unreadable list', () => {
    expect(conflictText('a', 0, { ModifyIndex: 7 })).toContain('cas=0 writes only a new variable, but it already exists; its modify index is now 7');
    expect(conflictText('a', 5, null)).toContain('there is none now');
    expect(conflictText('a', 5, null)).toContain('Use cas=0 to create it.');
    expect(conflictText('a', 5, undefined)).toContain('cas=5 no longer matches');
  });
});

describe('submit-job sends the source as Submission', () => {
  it('HCL as hcl2 with the variables as -var flags; JSON as json', async () => {
    expect(jobSubmission('job "x" {}', 'hcl', { image: 'nginx', n: 2, on: true })).toEqual({
      Source: 'job "x" {}', Format: 'hcl2', VariableFlags: { image: 'nginx', n: '2', on: 'true' }, Variables: '',
    });
    expect(jobSubmission('{"ID":"x"}', 'json', { ignored: 'y' })).toEqual({ Source: '{"ID":"x"}', Format: 'json', VariableFlags: {}, Variables: '' });
    const { ctx, calls } = fakeCtx((c) => {
      if (c.path === '/v1/jobs/parse') return { ID: 'web', Namespace: 'default', TaskGroups: [] };
      if (c.method === 'PUT' && c.path === '/v1/jobs') return { EvalID: '', JobModifyIndex: 3 };
      return undefined;
    });
    await run('submit-job', { content: 'job "web" {\n}\n', dry_run: false, variables: { image: 'nginx' } }, ctx);
    const reg = calls.find((c) => c.path === '/v1/jobs')!.body as JsonObject;
    expect(reg.Submission).toEqual({ Source: 'job "web" {\n}\n', Format: 'hcl2', VariableFlags: { image: 'nginx' }, Variables: '' });
    expect((reg.Job as JsonObject).ID).toBe('web');
  });
});

describe('wait-for-deployment: a promoted deployment no longer awaits promotion', () => {
  it('awaitsPromotion looks at the canary groups, not only the description', () => {
    const desc = 'Deployment is running but requires manual promotion';
    const g = (Promoted: boolean) => ({ DesiredCanaries: 1, PlacedCanaries: ['a'], Promoted });
    expect(awaitsPromotion({ ID: 'd', Status: 'running', StatusDescription: desc, TaskGroups: { api: g(false) } })).toBe(true);
    expect(awaitsPromotion({ ID: 'd', Status: 'running', StatusDescription: desc, TaskGroups: { api: g(true) } })).toBe(false);
    expect(awaitsPromotion({ ID: 'd', Status: 'running', StatusDescription: desc, TaskGroups: { api: g(true), web: g(false) } })).toBe(true);
    expect(awaitsPromotion({ ID: 'd', Status: 'running', StatusDescription: desc })).toBe(true);
    expect(awaitsPromotion({ ID: 'd', Status: 'running', StatusDescription: 'Deployment is running', TaskGroups: { api: g(false) } })).toBe(false);
  });
});

describe('validate-job: nested multierror text is one line per error', () => {
  it('keeps the group/task context and counts only real errors', async () => {
    expect(multiErrorLines('Task group app validation failed: 1 error occurred:\n\t* Task hello validation failed: 1 error occurred:\n\t* Missing task driver\n\n\n\n')).toEqual([
      'group app, task hello: Missing task driver',
    ]);
    expect(
      multiErrorLines('2 errors occurred:\n\t* Missing job region\n\t* Task group a validation failed: 2 errors occurred:\n\t* Missing tasks for task group\n\t* Task t validation failed: 1 error occurred:\n\t* minimum CPU value is 1; got 0\n\n\n\n\n\n'),
    ).toEqual(['Missing job region', 'group a: Missing tasks for task group', 'group a, task t: minimum CPU value is 1; got 0']);
    expect(multiErrorLines('Periodic validation failed: 1 error occurred:\n\t* Must specify a spec\n\n')).toEqual(['Periodic validation failed: Must specify a spec']);
    expect(multiErrorLines('Missing job task groups')).toEqual(['Missing job task groups']);

    const { ctx } = fakeCtx((c) => {
      if (c.path === '/v1/validate/job') {
        return { DriverConfigValidated: true, ValidationErrors: ['Task group app validation failed: 1 error occurred:\n\t* Task hello validation failed: 1 error occurred:\n\t* Missing task driver\n\n\n\n'], Error: 'x', Warnings: '' };
      }
      return undefined;
    });
    const r = await run('validate-job', { content: JSON.stringify({ ID: 'j', TaskGroups: [{ Name: 'app', Tasks: [{ Name: 'hello' }] }] }) }, ctx);
    expect(textOf(r)).toBe('Job j (json) is not valid: 1 error:\n  group app, task hello: Missing task driver');
  });
});
