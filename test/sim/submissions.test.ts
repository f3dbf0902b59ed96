import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { humanBytes, limitSubmission, mergeWarnings } from '../../src/sim/submissions.js';
import { call, simpleJob, start } from './helpers.js';

const HCL = 'job "src" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n    }\n  }\n}\n';

describe('simulator: job submissions', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'empty' });
  });
  afterAll(() => sim.close());

  it('stores the submission of a registered version and returns it', async () => {
    const reg = await call(sim, 'PUT', '/v1/jobs', {
      Job: simpleJob('src'),
      Submission: { Source: HCL, Format: 'hcl2', VariableFlags: { image: 'busybox:1', note: 'a b&c' }, Variables: 'region = "x"\n' },
    });
    expect(reg.status).toBe(200);
    expect(reg.json.Warnings).toBe('');
    const sub = await call(sim, 'GET', '/v1/job/src/submission?version=0');
    expect(sub.status).toBe(200);
    expect(sub.json).toEqual({
      Source: HCL, Format: 'hcl2', VariableFlags: { image: 'busybox:1', note: 'a b&c' }, Variables: 'region = "x"\n',
      Namespace: 'default', JobID: 'src', Version: 0, JobModifyIndex: reg.json.JobModifyIndex,
    });
    expect(sub.headers.get('x-nomad-index')).toBe(String(reg.json.JobModifyIndex));
  });

  it('answers the handler texts for a bad version, an unknown job and a version without source', async () => {
    for (const q of ['', '?version=', '?version=-1', '?version=abc', '?version=18446744073709551616']) {
      const r = await call(sim, 'GET', `/v1/job/src/submission${q}`);
      expect([r.status, r.text]).toEqual([400, 'Unable to parse job submission version parameter']);
    }
    const unknown = await call(sim, 'GET', '/v1/job/nope/submission?version=0');
    expect([unknown.status, unknown.text]).toEqual([404, 'job source not found']);
    expect(unknown.headers.get('x-nomad-index')).toBe('0');
    expect((await call(sim, 'GET', '/v1/job/src/submission?version=7')).text).toBe('job source not found');
    expect((await call(sim, 'GET', '/v1/job/src/submission?version=0&namespace=other')).status).toBe(404);
    expect((await call(sim, 'DELETE', '/v1/job/src/submission?version=0')).status).toBe(405);
    // A JSON submission without flags keeps VariableFlags null, as Canonicalize makes an empty map nil.
    await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('jsonjob'), Submission: { Source: '{"ID":"jsonjob"}', Format: 'json', VariableFlags: {} } });
    expect((await call(sim, 'GET', '/v1/job/jsonjob/submission?version=0')).json).toMatchObject({ Format: 'json', VariableFlags: null, Variables: '' });
  });

  it('carries a submission forward like the state store: stop and revert, but not a new spec without one', async () => {
    // New spec with its own submission: version 1.
    const v1 = simpleJob('src', { Meta: { v: '1' } });
    await call(sim, 'PUT', '/v1/jobs', { Job: v1, Submission: { Source: 'v1 source', Format: 'hcl2' } });
    expect((await call(sim, 'GET', '/v1/job/src/submission?version=1')).json).toMatchObject({ Source: 'v1 source', Version: 1, VariableFlags: null });
    // Stopping writes version 2 and takes the current version's submission.
    await call(sim, 'DELETE', '/v1/job/src');
    expect((await call(sim, 'GET', '/v1/job/src')).json.Version).toBe(2);
    expect((await call(sim, 'GET', '/v1/job/src/submission?version=2')).json).toMatchObject({ Source: 'v1 source', Version: 2 });
    // Reverting to version 0 carries version 0's source.
    const rev = await call(sim, 'PUT', '/v1/job/src/revert', { JobID: 'src', JobVersion: 0 });
    expect(rev.status).toBe(200);
    const v3 = await call(sim, 'GET', '/v1/job/src/submission?version=3');
    expect(v3.json).toMatchObject({ Source: HCL, Version: 3, JobModifyIndex: rev.json.JobModifyIndex });
    // An unchanged re-register writes nothing, so there is no new submission either.
    const same = await call(sim, 'GET', '/v1/job/src');
    await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('src'), Submission: { Source: 'ignored', Format: 'hcl2' } });
    expect((await call(sim, 'GET', '/v1/job/src')).json.Version).toBe(same.json.Version);
    expect((await call(sim, 'GET', '/v1/job/src/submission?version=4')).status).toBe(404);
  });

  it('drops the submissions of versions pruned from the history', async () => {
    for (let i = 0; i < 8; i++) {
      await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('many', { Meta: { i: String(i) } }), Submission: { Source: `source ${i}`, Format: 'hcl2' } });
    }
    const versions = (await call(sim, 'GET', '/v1/job/many/versions')).json.Versions.map((v: any) => v.Version);
    expect(versions).toEqual([7, 6, 5, 4, 3, 2]);
    expect((await call(sim, 'GET', '/v1/job/many/submission?version=1')).status).toBe(404);
    expect((await call(sim, 'GET', '/v1/job/many/submission?version=2')).json.Source).toBe('source 2');
    expect((await call(sim, 'GET', '/v1/job/many/submission?version=7')).json.Source).toBe('source 7');
    expect(sim.state.submissions.get('default\u0000many')!.size).toBe(6);
    await call(sim, 'DELETE', '/v1/job/many?purge=true');
    expect((await call(sim, 'GET', '/v1/job/many/submission?version=7')).status).toBe(404);
  });

  it('discards a submission over the size limit with Nomad\'s warning, and still registers the job', async () => {
    const big = 'x'.repeat(1_000_001);
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('bigsrc'), Submission: { Source: big, Format: 'hcl2' } });
    expect(reg.status).toBe(200);
    expect(reg.json.Warnings).toBe('1 warning:\n\n* job source size of 1.0 MB exceeds maximum of 1.0 MB and will be discarded');
    expect((await call(sim, 'GET', '/v1/job/bigsrc')).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/job/bigsrc/submission?version=0')).text).toBe('job source not found');
    const exact = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('exactsrc'), Submission: { Source: 'y'.repeat(1_000_000), Format: 'hcl2' } });
    expect(exact.json.Warnings).toBe('');
    expect((await call(sim, 'GET', '/v1/job/exactsrc/submission?version=0')).json.Source).toHaveLength(1_000_000);
  });

  it('rejects mistyped submissions with Go decode errors', async () => {
    const r = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('typed'), Submission: { Source: 3 } });
    expect([r.status, r.text]).toEqual([400, 'json: cannot unmarshal number into Go struct field JobRegisterRequest.Submission.Source of type string']);
    const flags = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('typed'), Submission: { VariableFlags: { a: 1 } } });
    expect(flags.text).toBe('json: cannot unmarshal number into Go struct field JobRegisterRequest.Submission.VariableFlags of type string');
    const whole = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('typed'), Submission: 'hcl' });
    expect(whole.text).toBe('json: cannot unmarshal string into Go struct field JobRegisterRequest.Submission of type api.JobSubmission');
  });

  it('measures sizes and formats warnings like Nomad', () => {
    expect(humanBytes(1_000_001)).toBe('1.0 MB');
    expect(humanBytes(12_500_000)).toBe('12 MB');
    expect(humanBytes(13_500_000)).toBe('14 MB');
    expect(humanBytes(999)).toBe('999 B');
    expect(humanBytes(5)).toBe('5 B');
    // VariableFlags values count as url.QueryEscape'd: 'é' is 2 bytes, 6 escaped.
    expect(limitSubmission({ Source: '', Format: 'hcl2', VariableFlags: { k: 'é' }, Variables: '' }, 7).submission).not.toBeNull();
    expect(limitSubmission({ Source: '', Format: 'hcl2', VariableFlags: { k: 'é' }, Variables: '' }, 6).submission).toBeNull();
    expect(mergeWarnings(['a', 'b '])).toBe('2 warnings:\n\n* a\n* b');
  });
});

describe('simulator: job validation', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'empty' });
  });
  afterAll(() => sim.close());

  it('answers 200 for a valid job, without an index header', async () => {
    for (const method of ['PUT', 'POST']) {
      const r = await call(sim, method, '/v1/validate/job', { Job: simpleJob('ok') });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ DriverConfigValidated: true, ValidationErrors: null, Error: '', Warnings: '' });
      expect(r.headers.get('x-nomad-index')).toBeNull();
    }
    expect((await call(sim, 'GET', '/v1/job/ok')).status).toBe(404);
  });

  it('lists every validation error with 200 and the multierror text', async () => {
    const r = await call(sim, 'PUT', '/v1/validate/job', { Job: { Name: 'x', Priority: 500 } });
    expect(r.status).toBe(200);
    expect(r.json.DriverConfigValidated).toBe(true);
    expect(r.json.ValidationErrors).toEqual(['Missing job ID', 'Missing job task groups', 'job priority must be between [1, 100]']);
    expect(r.json.Error).toBe('3 errors occurred:\n\t* Missing job ID\n\t* Missing job task groups\n\t* job priority must be between [1, 100]\n\n');
    const groups = await call(sim, 'PUT', '/v1/validate/job', {
      Job: { ID: 'v', TaskGroups: [{ Name: 'a', Count: -1, Tasks: [] }, { Name: 'b', Tasks: [{ Name: 't' }] }] },
    });
    expect(groups.json.ValidationErrors).toEqual([
      "Task group a validation failed: 2 errors occurred:\n\t* Task group count can't be negative\n\t* Missing tasks for task group\n\n",
      'Task group b validation failed: 1 error occurred:\n\t* Task t validation failed: 1 error occurred:\n\t* Missing task driver\n\n\n\n',
    ]);
    expect(groups.json.Error.startsWith('2 errors occurred:\n\t* Task group a validation failed')).toBe(true);
    // The register path reports the same list as a 500.
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: { ID: 'v', Priority: 500, TaskGroups: [{ Name: 'a', Tasks: [{ Name: 't', Driver: 'docker' }] }] } });
    expect([reg.status, reg.text]).toEqual([500, '1 error occurred:\n\t* job priority must be between [1, 100]\n\n']);
  });

  it('does not check that the namespace exists', async () => {
    const r = await call(sim, 'PUT', '/v1/validate/job', { Job: simpleJob('ns', { Namespace: 'ghost' }) });
    expect(r.json.ValidationErrors).toBeNull();
  });

  it('rejects bad requests with the handler texts', async () => {
    const empty = await call(sim, 'PUT', '/v1/validate/job', '');
    expect([empty.status, empty.text]).toEqual([400, 'Request body is empty']);
    const noJob = await call(sim, 'PUT', '/v1/validate/job', {});
    expect([noJob.status, noJob.text]).toEqual([400, 'Job must be specified']);
    const method = await call(sim, 'GET', '/v1/validate/job');
    expect([method.status, method.text]).toEqual([405, 'Invalid method']);
    const typed = await call(sim, 'PUT', '/v1/validate/job', { Job: { ID: 'x', Priority: 'high' } });
    expect([typed.status, typed.text]).toEqual([400, 'json: cannot unmarshal string into Go struct field JobValidateRequest.Job.Priority of type int']);
  });
});
