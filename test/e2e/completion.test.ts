/**
 * Issue 16.12b: completion/complete. Prompt arguments and resource-template variables complete job IDs,
 * namespaces, node IDs by prefix against Nomad (the simulator), within --namespaces, on the 2025
 * revision (v1 SDK client, initialize + session) and on 2026-07-28 (v2 SDK client, stateless).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, DEMO_SCENARIOS, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';
import { modernOverStdio } from './protocol-clients.js';

let sim: Simulator;
let legacy: Connected;
let nodeId: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', scenarios: DEMO_SCENARIOS });
  nodeId = [...sim.state.nodes.keys()][0]!;
  legacy = await connectStdio({ NOMAD_ADDR: sim.url }, ['--namespaces', 'default']);
});
afterAll(async () => {
  await legacy?.close();
  await sim?.close();
});

const prompt = (name: string) => ({ type: 'ref/prompt' as const, name });
const template = (uri: string) => ({ type: 'ref/resource' as const, uri });

describe('completion/complete (issue 16.12b)', () => {
  it('2025 session: the server declares completions; job IDs, namespaces and node IDs complete by prefix, within --namespaces', async () => {
    expect(legacy.client.getServerCapabilities()?.completions).toBeDefined();
    const jobs = await legacy.client.complete({ ref: prompt('troubleshoot_failing_job'), argument: { name: 'job_id', value: 'pay' } });
    expect(jobs.completion.values).toEqual(['payments']);
    const all = await legacy.client.complete({ ref: prompt('troubleshoot_failing_job'), argument: { name: 'job_id', value: '' } });
    expect(all.completion.values.length).toBeGreaterThan(1);
    expect(all.completion.values.every((v) => sim.state.job('default', v))).toBe(true);
    // --namespaces default: the other namespaces are neither offered nor searched
    const ns = await legacy.client.complete({ ref: template('nomad://job/{namespace}/{job_id}'), argument: { name: 'namespace', value: '' } });
    expect(ns.completion.values).toEqual(['default']);
    expect(sim.state.namespaces.size).toBeGreaterThan(1);
    const before = sim.requests.length;
    const elsewhere = await legacy.client.complete({
      ref: template('nomad://job/{namespace}/{job_id}'),
      argument: { name: 'job_id', value: '' },
      context: { arguments: { namespace: 'staging' } },
    });
    expect(elsewhere.completion.values).toEqual([]);
    expect(sim.requests.slice(before).some((r) => r.path === '/v1/jobs')).toBe(false);
    // a node ID from an odd-length prefix (Nomad is sent an even one, the last digit is matched here)
    const node = await legacy.client.complete({ ref: template('nomad://node/{node_id}'), argument: { name: 'node_id', value: nodeId.slice(0, 3) } });
    expect(node.completion.values).toContain(nodeId);
    expect(node.completion.values.every((v) => v.startsWith(nodeId.slice(0, 3)))).toBe(true);
    // an argument that names nothing Nomad lists completes to nothing; an unknown prompt is an error
    const task = await legacy.client.complete({ ref: template('nomad://alloc/{alloc_id}/logs/{task}'), argument: { name: 'task', value: 'x' } });
    expect(task.completion.values).toEqual([]);
    await expect(legacy.client.complete({ ref: prompt('nope'), argument: { name: 'job_id', value: '' } })).rejects.toThrow(/Unknown prompt: nope/);
  });

  it('answers from a cache for a few seconds per identity: the same prefix twice asks Nomad once', async () => {
    const asked = () => sim.requests.filter((r) => r.path === '/v1/jobs' && r.query.prefix === 'an').length;
    const before = asked();
    await legacy.client.complete({ ref: prompt('troubleshoot_failing_job'), argument: { name: 'job_id', value: 'an' } });
    await legacy.client.complete({ ref: prompt('troubleshoot_failing_job'), argument: { name: 'job_id', value: 'an' } });
    expect(asked() - before).toBe(1);
  });

  it('2026-07-28 (stateless): the same completions', async () => {
    const modern = await modernOverStdio({ NOMAD_ADDR: sim.url });
    try {
      const r = await modern.complete({ ref: prompt('troubleshoot_failing_job'), argument: { name: 'job_id', value: 'pay' } });
      expect(r.completion.values).toEqual(['payments']);
      const ns = await modern.complete({ ref: template('nomad://job/{namespace}/{job_id}'), argument: { name: 'namespace', value: '' } });
      expect(ns.completion.values).toEqual(expect.arrayContaining(['default', 'staging']));
    } finally {
      await modern.close();
    }
  });
});
