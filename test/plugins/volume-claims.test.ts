/**
 * claimProblems: what stops a CSI claim, in the scheduler's order (scheduler/feasible.go
 * CSIVolumeChecker; structs/csi.go HasFreeReadClaims / HasFreeWriteClaims; CSITopology.Contains).
 */
import { describe, expect, it } from 'vitest';
import { allocRelativePath } from '../../src/plugins/allocation-file.js';
import { type CsiPlugin, type CsiVolume, claimProblems } from '../../src/plugins/lib/volume-claims.js';

const zone = (z: string) => ({ Segments: { 'topology.ebs.csi.aws.com/zone': z } });
const healthyPlugin = (zones: string[]): CsiPlugin => ({
  ID: 'ebs', ControllerRequired: true, ControllersHealthy: 1, NodesHealthy: zones.length,
  Nodes: Object.fromEntries(zones.map((z, i) => [`node-${i}`, { Healthy: true, NodeInfo: { AccessibleTopology: { Segments: { 'topology.ebs.csi.aws.com/zone': z, 'kubernetes.io/os': 'linux' } } } }])),
});
const vol = (over: Partial<CsiVolume>): CsiVolume => ({ ID: 'v', PluginID: 'ebs', AccessMode: 'single-node-writer', Topologies: [zone('a')], ...over });
const checks = (v: CsiVolume, p: CsiPlugin | null | undefined) => claimProblems(v, p).map((x) => x.check);

describe('claimProblems', () => {
  it('a missing plugin says so and nothing else', () => {
    expect(claimProblems(vol({}), null)).toEqual([{ check: 'plugin', detail: expect.stringMatching(/^no CSI plugin "ebs" is registered/) }]);
  });

  it('no healthy controller (when required), no healthy node plugin', () => {
    expect(checks(vol({}), { ...healthyPlugin([]), ControllersHealthy: 0, NodesHealthy: 0 })).toEqual(['controller', 'node plugins']);
    expect(checks(vol({}), { ...healthyPlugin(['a']), ControllerRequired: false, ControllersHealthy: 0 })).toEqual([]);
  });

  it('an unread plugin falls back to the volume\'s own denormalised counts', () => {
    expect(checks(vol({ ControllerRequired: true, ControllersHealthy: 0, NodesHealthy: 2 }), undefined)).toEqual(['controller']);
  });

  it('topology: a node plugin whose segments contain the volume\'s reaches it; none there is a problem', () => {
    expect(checks(vol({}), healthyPlugin(['a', 'b']))).toEqual([]);
    expect(checks(vol({ Topologies: [zone('c')] }), healthyPlugin(['a', 'b']))).toEqual(['topology']);
    expect(checks(vol({ Topologies: [] }), healthyPlugin(['a']))).toEqual([]);
  });

  it('claims by access mode: single-node-writer holds one claim; multi-node-single-writer one writer; reader modes refuse writers', () => {
    const p = healthyPlugin(['a']);
    const held = { 'a1b2c3d4-0000': { JobID: 'db' } };
    expect(claimProblems(vol({ WriteAllocs: held }), p)).toEqual([{ check: 'claims', detail: expect.stringContaining('held by a1b2c3d4 (job db)') }]);
    expect(checks(vol({ AccessMode: 'multi-node-single-writer', WriteAllocs: held }), p)).toEqual(['claims']);
    expect(checks(vol({ AccessMode: 'multi-node-multi-writer', WriteAllocs: held }), p)).toEqual([]);
    expect(checks(vol({ AccessMode: 'multi-node-reader-only' }), p)).toEqual(['access mode']);
    expect(checks(vol({ AccessMode: 'single-node-reader-only', ReadAllocs: { x: null } }), p)).toEqual(['access mode', 'claims']);
    expect(claimProblems(vol({ WriteAllocs: { 'deadbeef-1': null } }), p)[0].detail).toContain('deadbeef (garbage-collected)');
  });

  it('a volume not yet claimed is judged by its requested capabilities', () => {
    const p = healthyPlugin(['a']);
    expect(checks(vol({ AccessMode: '', RequestedCapabilities: [{ AccessMode: 'single-node-reader-only' }] }), p)).toEqual(['access mode']);
    expect(checks(vol({ AccessMode: '', RequestedCapabilities: [{ AccessMode: 'single-node-writer' }] }), p)).toEqual([]);
  });
});

describe('allocRelativePath', () => {
  it('keeps a path inside the allocation, refuses ".." segments and the directory itself', () => {
    expect(allocRelativePath('/web/./local//config.env')).toBe('web/local/config.env');
    expect(allocRelativePath('web/..config')).toBe('web/..config');
    expect(() => allocRelativePath('web/../../etc/passwd')).toThrow(/has a "\.\." segment/);
    expect(() => allocRelativePath('/./')).toThrow(/names the allocation directory itself/);
  });
});
