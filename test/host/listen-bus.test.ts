// The subscriptions/listen bus of the HTTP transport: a toolset one caller enables (dynamic toolsets) is
// announced on that caller's listen streams only; a catalog change on every stream.
import type { ServerEvent } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { IdentityEventBus } from '../../src/host/transports/listen-bus.js';

describe('IdentityEventBus', () => {
  it('publishTo reaches the streams opened as that identity only; publish reaches all; an unsubscribed stream nothing', async () => {
    const bus = new IdentityEventBus();
    const seen: string[] = [];
    const listener = (who: string) => (e: ServerEvent) => void seen.push(`${who}:${e.kind}`);
    // subscriptions are made inside the request's async context, as the SDK's listen router does
    bus.as('alice', () => bus.subscribe(listener('alice-1')));
    await bus.as('alice', async () => {
      await Promise.resolve();
      bus.subscribe(listener('alice-2'));
    });
    const offBob = bus.as('bob', () => bus.subscribe(listener('bob')));
    bus.subscribe(listener('nobody'));

    bus.publishTo('alice', { kind: 'tools_list_changed' });
    expect(seen.sort()).toEqual(['alice-1:tools_list_changed', 'alice-2:tools_list_changed']);

    seen.length = 0;
    bus.publish({ kind: 'prompts_list_changed' });
    expect(seen.sort()).toEqual(['alice-1:prompts_list_changed', 'alice-2:prompts_list_changed', 'bob:prompts_list_changed', 'nobody:prompts_list_changed']);

    seen.length = 0;
    offBob();
    bus.publishTo('bob', { kind: 'tools_list_changed' });
    bus.publish({ kind: 'resources_list_changed' });
    expect(seen.filter((s) => s.startsWith('bob'))).toEqual([]);
  });

  it('a throwing listener does not stop delivery to the others', () => {
    const errors: string[] = [];
    const bus = new IdentityEventBus((e) => errors.push(e.message));
    let reached = 0;
    bus.as('alice', () => bus.subscribe(() => {
      throw new Error('broken stream');
    }));
    bus.as('alice', () => bus.subscribe(() => void reached++));
    bus.publishTo('alice', { kind: 'tools_list_changed' });
    expect(reached).toBe(1);
    expect(errors).toEqual(['broken stream']);
  });
});
