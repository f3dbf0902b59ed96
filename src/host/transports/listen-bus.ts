import { InMemoryServerEventBus, type ServerEvent, type ServerEventBus } from '@modelcontextprotocol/server';
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The change-event bus behind 2026-07-28 `subscriptions/listen` streams (the SDK's seam for it), with one
 * addition: an event can go to one identity's streams only. A toolset enabled by one caller changes that
 * caller's tool list, not anyone else's, so only their streams hear list_changed.
 *
 * The SDK's listen router subscribes a stream while serving its listen request and tells the bus nothing
 * about who asked; the transport runs each modern request inside `as(identity, …)`, and the subscription
 * made there remembers the identity of the async context it was made in.
 */
export class IdentityEventBus implements ServerEventBus {
  private readonly all: InMemoryServerEventBus;
  private readonly owners = new Map<(e: ServerEvent) => void, string | undefined>();
  private readonly context = new AsyncLocalStorage<string>();

  constructor(private readonly onerror?: (err: Error) => void) {
    this.all = new InMemoryServerEventBus(onerror);
  }

  /** Run `fn` (serving one request) as `identity`: listen streams it opens belong to that identity. */
  as<T>(identity: string, fn: () => T): T {
    return this.context.run(identity, fn);
  }

  publish(event: ServerEvent): void {
    this.all.publish(event);
  }

  /** Deliver `event` only to the streams `identity` opened. */
  publishTo(identity: string, event: ServerEvent): void {
    for (const [listener, owner] of this.owners) {
      if (owner !== identity) continue;
      try {
        listener(event);
      } catch (err) {
        this.onerror?.(err as Error);
      }
    }
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.owners.set(listener, this.context.getStore());
    const off = this.all.subscribe(listener);
    return () => {
      this.owners.delete(listener);
      off();
    };
  }
}
