/** The computations behind the diagnosis tools: constraint checks, version diffs, capacity sums, crash reading. */
import { describe, expect, it } from 'vitest';
import { changeLine, diffValues, type Change } from '../../src/plugins/compare-versions.js';
import { nodeCapacities } from '../../src/plugins/cluster-capacity.js';
import { constraintHolds, type FullNode, judgeNode, resolveTarget } from '../../src/plugins/lib/feasibility.js';
import { attachLines, crashes } from '../../src/plugins/why-restarting.js';
import { suggest } from '../../src/plugins/job-resources.js';

const node: FullNode = {
  ID: 'n1', Name: 'node-1', Datacenter: 'eu-west-1a', NodePool: 'default', NodeClass: 'gpu', Status: 'ready', SchedulingEligibility: 'eligible',
  Attributes: { 'kernel.name': 'linux', 'cpu.numcores': '8', 'unique.hostname': 'node-1' }, Meta: { rack: 'r1,r2' },
  Drivers: { docker: { Detected: true, Healthy: true }, exec: { Detected: true, Healthy: false } },
  NodeResources: { Cpu: { CpuShares: 4000 }, Memory: { MemoryMB: 8192 }, Disk: { DiskMB: 10_000 }, Devices: [{ Vendor: 'nvidia', Type: 'gpu', Name: 't4', Instances: [{ Healthy: true }] }] },
  ReservedResources: { Cpu: { CpuShares: 100 }, Memory: { MemoryMB: 192 }, Disk: { DiskMB: 0 } },
};

describe('constraints as scheduler/feasible.go checks them', () => {
  it('resolves targets and operands', () => {
    expect(resolveTarget('${attr.kernel.name}', node)).toEqual({ value: 'linux', known: true });
    expect(resolveTarget('${meta.missing}', node)).toEqual({ value: undefined, known: false });
    expect(constraintHolds({ LTarget: '${attr.kernel.name}', RTarget: 'linux', Operand: '=' }, node)).toBe(true);
    expect(constraintHolds({ LTarget: '${attr.cpu.numcores}', RTarget: '10', Operand: '>=' }, node)).toBe(false);
    expect(constraintHolds({ LTarget: '${attr.cpu.numcores}', RTarget: '10', Operand: '<' }, node)).toBe(true);
    expect(constraintHolds({ LTarget: '${meta.rack}', RTarget: 'r2', Operand: 'set_contains' }, node)).toBe(true);
    expect(constraintHolds({ LTarget: '${meta.gone}', Operand: 'is_not_set' }, node)).toBe(true);
    expect(constraintHolds({ LTarget: '${node.class}', RTarget: '^g.u$', Operand: 'regexp' }, node)).toBe(true);
    expect(constraintHolds({ LTarget: '${attr.nomad.version}', RTarget: '>= 1.6', Operand: 'semver' }, node)).toBeUndefined();
  });

  it('runs a caller regexp in linear time: a catastrophic pattern on a long value still answers', () => {
    const evil: FullNode = { ...node, Meta: { x: `${'a'.repeat(50_000)}!` } };
    expect(constraintHolds({ LTarget: '${meta.x}', RTarget: '^(a+)+$', Operand: 'regexp' }, evil)).toBe(false);
  });

  it('stops at the first check that rules a node out, in the scheduler order', () => {
    const job = { ID: 'j', Datacenters: ['eu-*'], TaskGroups: [] };
    const tg = (driver: string, mem: number, devices: { Name: string; Count: number }[] = []) => ({
      Name: 'g', Tasks: [{ Name: 't', Driver: driver, Resources: { CPU: 100, MemoryMB: mem, Devices: devices } }],
    });
    const none = { cpu: 0, mem: 0, disk: 0 };
    const notEval = new Set<string>();
    expect(judgeNode({ ...job, Datacenters: ['us-*'] }, tg('docker', 64), node, none, notEval)).toMatchObject({ step: 'datacenter' });
    expect(judgeNode(job, tg('exec', 64), node, none, notEval)).toMatchObject({ step: 'driver', reason: 'driver exec (task t) is unhealthy on the node' });
    expect(judgeNode(job, tg('docker', 64, [{ Name: 'nvidia/gpu', Count: 2 }]), node, none, notEval)).toMatchObject({ step: 'device' });
    expect(judgeNode(job, tg('docker', 64, [{ Name: 'nvidia/gpu/t4', Count: 1 }]), node, none, notEval)).toMatchObject({ feasible: true });
    expect(judgeNode(job, tg('docker', 8000), node, none, notEval).feasible).toBe(true);
    expect(judgeNode(job, tg('docker', 8001), node, none, notEval)).toMatchObject({ step: 'resources', reason: 'resources exhausted (memory: needs 8001 MB, 8000 free)' });
    expect(judgeNode(job, { ...tg('docker', 64), Constraints: [{ Operand: 'distinct_property', LTarget: '${meta.rack}' }] }, node, none, notEval).feasible).toBe(true);
    expect([...notEval]).toEqual(['constraint ${meta.rack} distinct_property']);
  });
});

describe('compare_job_versions diff', () => {
  it('matches named lists by Name and skips bookkeeping fields', () => {
    const a = { ID: 'j', Version: 1, SubmitTime: 1, TaskGroups: [{ Name: 'a', Count: 1 }, { Name: 'b', Count: 1 }], Meta: null };
    const b = { ID: 'j', Version: 4, SubmitTime: 9, TaskGroups: [{ Name: 'b', Count: 1 }, { Name: 'c', Count: 2 }], Meta: { owner: 'x' } };
    const out: Change[] = [];
    diffValues(a, b, '', out);
    expect(out).toEqual([
      { path: 'Meta', type: 'added', to: { owner: 'x' } },
      { path: 'TaskGroups[a]', type: 'removed' },
      { path: 'TaskGroups[c]', type: 'added' },
    ]);
    expect(out.map(changeLine)).toEqual(['+ Meta: {"owner":"x"}', '- TaskGroups[a]', '+ TaskGroups[c]']);
  });
});

describe('capacity', () => {
  it('subtracts reserved resources and counts only allocations that hold resources', () => {
    const res = (cpu: number, mem: number) => ({ Tasks: { t: { Cpu: { CpuShares: cpu }, Memory: { MemoryMB: mem } } }, Shared: { DiskMB: 300 } });
    const [c] = nodeCapacities([{ ID: 'n1', Name: 'n', Status: 'ready', NodeResources: node.NodeResources, ReservedResources: node.ReservedResources }], [
      { NodeID: 'n1', DesiredStatus: 'run', ClientStatus: 'running', AllocatedResources: res(500, 256) },
      { NodeID: 'n1', DesiredStatus: 'run', ClientStatus: 'pending', AllocatedResources: res(100, 64) },
      { NodeID: 'n1', DesiredStatus: 'stop', ClientStatus: 'running', AllocatedResources: res(900, 900) },
      { NodeID: 'n1', DesiredStatus: 'run', ClientStatus: 'failed', AllocatedResources: res(900, 900) },
    ]);
    expect(c).toMatchObject({
      schedulable: true, allocations: 2, total: { cpu_mhz: 3900, memory_mb: 8000, disk_mb: 10_000 },
      allocated: { cpu_mhz: 600, memory_mb: 320, disk_mb: 600 }, free: { cpu_mhz: 3300, memory_mb: 7680, disk_mb: 9400 },
    });
  });
});

describe('why_restarting reading', () => {
  it('pairs each crash with what followed and the stamped log lines before it', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const ev = (type: string, s: number, d: Record<string, string> = {}, msg = type) => ({ Type: type, Time: (t0 + s * 1000) * 1e6, DisplayMessage: msg, Details: d });
    const list = crashes([
      ev('Started', 0), ev('Terminated', 10, { exit_code: '1', signal: '0' }), ev('Restarting', 10, {}, 'Task restarting in 15s'),
      ev('Started', 25), ev('Terminated', 40, { exit_code: '137', signal: '9', oom_killed: 'true' }), ev('Not Restarting', 40, {}, 'Exceeded allowed attempts 2 in interval 30m0s and mode is "fail"'),
    ]);
    expect(list.map((c) => [c.exit_code, c.signal, c.oom_killed, c.then])).toEqual([
      [1, null, false, 'Restarting: Task restarting in 15s'],
      [137, 9, true, 'Not Restarting: Exceeded allowed attempts 2 in interval 30m0s and mode is "fail"'],
    ]);
    expect(attachLines(list, ['2026-01-01T00:00:05Z boom 1', 'no stamp', '2026-01-01T00:00:30Z boom 2', '2026-01-01T00:00:50Z after'])).toBe(true);
    expect(list.map((c) => c.log_before)).toEqual([['2026-01-01T00:00:05Z boom 1'], ['2026-01-01T00:00:30Z boom 2']]);
    expect(attachLines(list, ['plain text'])).toBe(false);
  });

  it('suggests memory from OOM kills and usage, CPU from use', () => {
    expect(suggest({ cpu: 100, mem: 64 }, { cpu: [20], memPeak: [60] }, 2)).toMatchObject({ mem: 128 });
    expect(suggest({ cpu: 1000, mem: 1024 }, { cpu: [100], memPeak: [100] }, 0)).toMatchObject({ cpu: 200, mem: 160 });
    expect(suggest({ cpu: 500, mem: 256 }, { cpu: [], memPeak: [] }, 0)).toEqual({ cpu: 500, mem: 256, evidence: ['no live statistics and no OOM kill: keep the reservation.'] });
  });
});
