import { describe, expect, it } from 'vitest';
import { DEMO_SCENARIOS, startSimulator } from '../../src/sim/index.js';
import { loadCluster, saveCluster } from '../../src/sim/persist.js';
import { SimState } from '../../src/sim/state.js';

describe('a saved demo cluster (issue 16.4)', () => {
  it('every table of the state survives save → JSON → load (a table added later and not saved fails here)', async () => {
    const sim = await startSimulator({ port: 0, seed: 'demo', scenarios: DEMO_SCENARIOS });
    try {
      sim.state.settle();
      const saved = JSON.parse(JSON.stringify(saveCluster(sim.state, sim.url)));
      const copy = new SimState();
      loadCluster(copy, saved, 'http://127.0.0.1:1');
      const tables = Object.entries(sim.state).filter(([, v]) => v instanceof Map) as [string, Map<string, unknown>][];
      expect(tables.length).toBeGreaterThan(10);
      for (const [name, table] of tables) {
        if (name.startsWith('acl')) continue; // the demo cluster runs without ACLs: not kept
        const other = (copy as unknown as Record<string, Map<string, unknown>>)[name]!;
        expect([name, [...other.keys()]]).toEqual([name, [...table.keys()]]);
        expect([name, JSON.parse(JSON.stringify([...other.values()], (_k, v) => (v instanceof Map ? [...v] : v)))]).toEqual([
          name,
          JSON.parse(JSON.stringify([...table.values()], (_k, v) => (v instanceof Map ? [...v] : v))),
        ]);
      }
      expect(copy.index).toBe(sim.state.index);
      expect(copy.ids.uuid()).toBe(sim.state.ids.uuid()); // the next id continues, never repeats
      expect(copy.giteaRepos.length).toBe(sim.state.giteaRepos.length);
      expect(JSON.stringify(copy.giteaRepos)).not.toContain(sim.url);
      copy.close();
    } finally {
      await sim.close();
    }
  });
});
