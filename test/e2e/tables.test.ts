/**
 * List answers as tables (issue 15), end to end: the MCP SDK client over stdio against `serve --stdio` and the
 * simulator. The text a model reads is a table, one line per item, zero counters left out and times with their
 * age; structuredContent keeps every picked field for programs; `detail: "full"` gives the JSON form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCENARIOS, startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  // the demo cluster (serve --demo's, every problem scenario) plus 100 finished batch jobs (bulk-00001 …)
  sim = await startSimulator({ port: 0, seed: 'demo', scenarios: DEMO_SCENARIOS, extraJobs: 100 });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url });
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

const AGE = /\((?:\d+[smhd] ago|in \d+[smhd]|now)\)/;

describe('list answers as tables', () => {
  it('list_jobs: a header and one line per job with its non-zero counters; structuredContent has every counter', async () => {
    const r = await mcp.call('list_jobs', { prefix: 'metrics' });
    expect(r.isError).toBe(false);
    const lines = r.text.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ID +Namespace +Type +Status +Stop +Summary$/);
    // the demo's metrics job: 2 allocations running, 1 lost on the node that went down
    expect(lines[1]).toMatch(/^metrics +default +service +running +- +agent: running 2 lost 1$/);
    expect(r.structured).toEqual({
      items: [
        {
          ID: 'metrics',
          Namespace: 'default',
          Type: 'service',
          Status: 'running',
          Stop: false,
          Summary: { agent: { Queued: 0, Complete: 0, Failed: 0, Running: 2, Starting: 0, Lost: 1, Unknown: 0 } },
        },
      ],
      total: 1,
    });
  });

  it('detail: "full" answers with the JSON form of the same items', async () => {
    const r = await mcp.call('list_jobs', { prefix: 'metrics', detail: 'full' });
    expect(r.isError).toBe(false);
    expect(JSON.parse(r.text)).toEqual((r.structured as { items: unknown[] }).items);
    expect(r.text).toContain('"Queued":0');
  });

  it('a detail the tool does not know is refused with the values it takes', async () => {
    const r = await mcp.call('list_jobs', { detail: 'everything' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('"detail"');
    expect(r.text).toContain('"summary", "full"');
  });

  it('list_allocations: times as ISO with their age; structuredContent keeps the ISO time alone', async () => {
    const r = await mcp.call('list_allocations', { job_id: 'cache' });
    expect(r.isError).toBe(false);
    const [header, line, ...rest] = r.text.split('\n');
    expect(rest).toEqual([]);
    expect(header).toMatch(/^ID +JobID +TaskGroup +NodeName +ClientStatus +DesiredStatus +JobVersion +ModifyTime +TaskStates$/);
    // the demo's cache allocation: redis running, restarted 3 times (a counter that is not zero)
    expect(line).toMatch(/^[0-9a-f-]{36} +cache +cache +node-\d +running +run +0 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+[smhd] ago\) +redis: running restarts 3$/);
    const item = (r.structured as { items: { ModifyTime: string; TaskStates: unknown }[] }).items[0];
    expect(item.ModifyTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(line).toContain(`${item.ModifyTime} (`);
    expect(item.TaskStates).toEqual({ redis: { State: 'running', Failed: false, Restarts: 3 } });
  });

  it('list_evaluations: the blocked evaluation and its queued allocations are on their lines', async () => {
    const r = await mcp.call('list_evaluations', { job_id: 'analytics' });
    const lines = r.text.split('\n');
    expect(lines[0]).toMatch(/^ID +Job +Namespace +Status +TriggeredBy +Modified +Queued +Blocked +Description$/);
    const blocked = lines.find((l) => / blocked +queued-allocs /.test(l));
    expect(blocked).toMatch(AGE);
    expect(blocked).toMatch(/created due to placement conflicts$/);
    const blockedId = blocked!.split(' ')[0];
    expect(lines.find((l) => / complete +job-register /.test(l))).toMatch(new RegExp(`spark 1 +${blockedId} +-$`));
  });

  it('a 100-job page is one line per job and within 8 KB; structuredContent has all 100', async () => {
    const r = await mcp.call('list_jobs', { prefix: 'bulk-', per_page: 100 });
    expect(r.isError).toBe(false);
    const lines = r.text.split('\n');
    expect(lines).toHaveLength(101);
    expect(lines.slice(1).every((l) => /^bulk-\d{5} +default +batch +dead +- +work: complete 1$/.test(l))).toBe(true);
    expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(8000);
    expect((r.structured as { items: unknown[] }).items).toHaveLength(100);
  });
});
