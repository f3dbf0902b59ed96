import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { call, eventually, start } from './helpers.js';

/**
 * Records the timers and TCP handles created while `recording` is on, and forgets them when they
 * are destroyed: what is left (and still ref'd) would hold a process open.
 */
function handleRecorder() {
  const live = new Map<number, { type: string; resource: { hasRef?: () => boolean } }>();
  let recording = true;
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (recording && (type === 'Timeout' || type === 'TCPWRAP' || type === 'TCPSERVERWRAP')) live.set(id, { type, resource: resource as never });
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    stopRecording: () => {
      recording = false;
    },
    /** Kinds of the recorded handles still alive and ref'd. */
    holding: () => [...live.values()].filter((h) => h.type !== 'Timeout' || h.resource.hasRef?.() !== false).map((h) => h.type),
    disable: () => hook.disable(),
  };
}

describe('simulator: shutdown', () => {
  it('close() leaves no ref\'d timer, server or socket behind, even with every kind of stream open', async () => {
    const rec = handleRecorder();
    try {
      const sim = await start({ seed: 'demo', heartbeatMs: 20, deploymentMs: 30_000 });
      const alloc = (await call(sim, 'GET', '/v1/job/web/allocations')).json[0].ID;
      const index = Number((await call(sim, 'GET', '/v1/jobs')).headers.get('x-nomad-index'));
      const logs = `${sim.url}/v1/client/fs/logs/${alloc}?task=server&type=stdout&follow=true&origin=end&offset=0`;
      const pending = [
        fetch(`${sim.url}/v1/jobs?index=${index + 1000}&wait=60s`),
        fetch(`${sim.url}/v1/event/stream`),
        fetch(logs),
        fetch(logs, { headers: { 'Accept-Encoding': 'gzip' } }),
      ].map((p) => p.then((r) => r.text()).catch(() => ''));
      await eventually(() => sim.openStreams() === 4);
      expect(rec.holding()).toContain('Timeout');
      rec.stopRecording();
      await sim.close();
      expect(sim.openStreams()).toBe(0);
      await Promise.all(pending);
      // What would hold `nomad-mcp sim` open after SIGINT: heartbeat intervals, blocking-query and
      // deployment timers, the listener and connections. All go once the sockets finish closing.
      await eventually(() => rec.holding().length === 0);
    } finally {
      rec.disable();
    }
  });

  it('close() is idempotent and ends a delayed request', async () => {
    const sim = await start({ seed: 'empty' });
    sim.faults.delayMs = 60_000;
    const delayed = fetch(`${sim.url}/v1/jobs`).then(() => 'answered', () => 'dropped');
    await eventually(() => sim.requests.length === 1);
    await Promise.all([sim.close(), sim.close()]);
    expect(await delayed).toBe('dropped');
  });
});
