import { ToolError } from './errors.js';
import type { HttpMethod } from './types.js';

/**
 * `--namespaces` for objects addressed by ID. Nomad finds allocations, deployments and evaluations by
 * ID whatever the request's namespace, so checking the `namespace` argument is not enough: answers are
 * checked (objects outside the allow-list are refused, list elements dropped), and a call on an
 * allocation or deployment by ID first reads it to learn its namespace.
 */
export class NamespaceGuard {
  constructor(private readonly allowed: string[]) {}

  private refuse(ns: string): never {
    throw new ToolError(`Namespace "${ns}" is not allowed on this server (allowed: ${this.allowed.join(', ')}).`, 'caller', 403);
  }

  /** The read that tells the namespace of the object a by-ID path acts on, if any. */
  lookupFor(method: HttpMethod, path: string): string | undefined {
    let m = /^\/v1\/client\/(?:allocation|fs\/logs|fs\/\w+)\/([^/?]+)/.exec(path) ?? /^\/v1\/allocation\/([^/?]+)\/stop$/.exec(path);
    if (m) return `/v1/allocation/${m[1]}`;
    m = /^\/v1\/deployment\/(?:promote|fail|pause|allocation-health|unblock|allocations)\/([^/?]+)$/.exec(path);
    if (m) return `/v1/deployment/${m[1]}`;
    void method;
    return undefined;
  }

  /** Refuse an object of another namespace. */
  checkNamespace(ns: unknown): void {
    if (typeof ns === 'string' && ns && !this.allowed.includes(ns)) this.refuse(ns);
  }

  /** Answers: an object of another namespace is refused; list elements of other namespaces are dropped. */
  filter<T>(data: T): T {
    if (Array.isArray(data)) {
      return data.filter((e) => !(e && typeof e === 'object' && typeof (e as { Namespace?: unknown }).Namespace === 'string' && !this.allowed.includes((e as { Namespace: string }).Namespace))) as T;
    }
    if (data && typeof data === 'object') this.checkNamespace((data as { Namespace?: unknown }).Namespace);
    return data;
  }
}
