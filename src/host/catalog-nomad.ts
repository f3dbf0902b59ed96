import type { CatalogDocument } from './catalog.js';
import type { CatalogSource } from './catalog-sources.js';
import { FixedSource } from './catalog-sources.js';
import type { CatalogProblem } from './errors.js';
import type { Logger } from './log.js';
import type { Upstream } from './upstream.js';
import { VARIABLE_PATH } from './variable-path.js';
import type { WatchHandle } from './watch.js';

/** The item of a variable that holds the descriptor file. */
export const YAML_ITEM = 'yaml';

/** How long one blocking query waits for a change (Nomad adds up to wait/16 of jitter: nomad/rpc.go blockingRPC). */
const WAIT_S = 60;

/** GET /v1/vars: metadata only (api/variables.go VariableMetadata). */
interface VariableMetadata {
  Path: string;
  ModifyIndex: number;
}

/** GET /v1/var/:path (api/variables.go Variable). */
interface Variable {
  Path: string;
  ModifyIndex: number;
  Items?: Record<string, string> | null;
}

interface Held {
  modifyIndex: number;
  doc: CatalogDocument;
}

/**
 * Descriptor files stored as Nomad Variables under a prefix (one variable per file, the YAML in its `yaml` item, in
 * the server's namespace), watched with blocking queries on `/v1/vars?prefix=` (index/wait): a change reaches the
 * catalog as soon as Nomad answers. A bad document keeps its last good version (keepsLastGood).
 */
export class NomadVariablesSource implements CatalogSource {
  readonly keepsLastGood = true;
  readonly label: string;
  /** The variables as last read from Nomad, by path. */
  private held = new Map<string, Held>();
  /** The text of each variable last served. */
  private good = new Map<string, string>();
  /** X-Nomad-Index of the last list (0: none yet). */
  private index = 0;
  /** Why the last read failed, while it does. */
  private failure?: string;

  constructor(
    private readonly nomad: Upstream,
    readonly prefix: string,
    private readonly namespace: string,
    private readonly log?: Logger,
  ) {
    this.label = `Nomad Variables under ${prefix}`;
  }

  documents(): { docs: CatalogDocument[]; problems: CatalogProblem[] } {
    const docs = [...this.held.keys()].sort().map((p) => this.held.get(p)!.doc);
    const problems = this.failure ? [{ file: this.prefix, line: 1, col: 1, message: `cannot read ${this.label}: ${this.failure}` }] : [];
    return { docs, problems };
  }

  lastGood(display: string): CatalogDocument | undefined {
    const text = this.good.get(display);
    return text === undefined ? undefined : { display, text };
  }

  served(docs: CatalogDocument[]): void {
    this.good = new Map(docs.filter((d) => d.text !== undefined).map((d) => [d.display, d.text!]));
  }

  /** This source's documents but one (the variable `tools push` replaces), as a fixed source. */
  without(path: string): CatalogSource {
    return new FixedSource(this.label, this.documents().docs.filter((d) => d.display !== path), true);
  }

  /**
   * Read the variables once (`index` > 0: a blocking query that answers when the list changes or the wait ends).
   * True when the documents changed.
   */
  async refresh(opts: { index?: number; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<boolean> {
    const blocking = (opts.index ?? 0) > 0;
    const list = await this.nomad.request<VariableMetadata[] | null>('GET', '/v1/vars', {
      query: { prefix: `${this.prefix}/`, namespace: this.namespace, ...(blocking ? { index: opts.index, wait: `${WAIT_S}s` } : {}) },
      // a blocking query holds its connection up to the wait and its jitter: on the long pool, beyond the request timeout
      long: blocking,
      timeoutMs: blocking ? (WAIT_S + WAIT_S / 16 + 15) * 1000 : opts.timeoutMs,
      signal: opts.signal,
    });
    const index = list.index ?? 0;
    // an index that went backwards (a restored or new cluster) starts over (Nomad's blocking-query advice)
    this.index = index < this.index ? 0 : index;
    this.failure = undefined;
    // the prefix query also matches `nomad-mcp/tools-old/…`; only the variables below the path count
    const listed = (list.data ?? []).filter((v) => v.Path.startsWith(`${this.prefix}/`) && VARIABLE_PATH.test(v.Path));
    let changed = false;
    const seen = new Set<string>();
    await Promise.all(
      listed.map(async (meta) => {
        seen.add(meta.Path);
        if (this.held.get(meta.Path)?.modifyIndex === meta.ModifyIndex) return;
        const read = await this.readVariable(meta.Path, opts.signal);
        if (read === undefined) return; // deleted between the list and the read: the next list drops it
        this.held.set(meta.Path, read);
        changed = true;
      }),
    );
    for (const p of [...this.held.keys()]) {
      if (!seen.has(p)) {
        this.held.delete(p);
        changed = true;
      }
    }
    return changed;
  }

  /** The first read (at start-up): a failure is kept and shown as the source's problem, not thrown. */
  async readOnce(timeoutMs = 5000): Promise<void> {
    try {
      await this.refresh({ timeoutMs });
    } catch (err) {
      this.failure = (err as Error).message;
    }
  }

  private async readVariable(path: string, signal?: AbortSignal): Promise<Held | undefined> {
    try {
      // the path passed VARIABLE_PATH: no character needs escaping, and its slashes are the API's
      const r = await this.nomad.request<Variable>('GET', `/v1/var/${path}`, { query: { namespace: this.namespace }, signal });
      const text = r.data.Items?.[YAML_ITEM];
      const doc: CatalogDocument =
        typeof text === 'string'
          ? { display: path, text }
          : {
              display: path,
              error: `the variable has no "${YAML_ITEM}" item (items: ${Object.keys(r.data.Items ?? {}).join(', ') || 'none'}); put the descriptor file there: nomad var put ${path} ${YAML_ITEM}=@file.yaml`,
            };
      return { modifyIndex: r.data.ModifyIndex, doc };
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  watch(changed: (now?: boolean) => void): WatchHandle {
    const ac = new AbortController();
    let backoffMs = 1000;
    let lastError = '';
    const loop = async () => {
      while (!ac.signal.aborted) {
        try {
          // after a failed first read, read at once; then block on the last index
          if (await this.refresh({ index: this.failure || this.index === 0 ? 0 : this.index, signal: ac.signal })) changed(true);
          backoffMs = 1000;
          if (lastError) this.log?.info(`${this.label}: reading again`);
          lastError = '';
        } catch (err) {
          if (ac.signal.aborted) return;
          const message = (err as Error).message;
          this.failure = message;
          // logged once per distinct failure; retried with a growing pause
          if (message !== lastError) this.log?.error(`${this.label}: ${message}; serving the last version read, retrying`);
          lastError = message;
          await new Promise((r) => setTimeout(r, backoffMs).unref());
          backoffMs = Math.min(backoffMs * 2, 30_000);
        }
      }
    };
    void loop();
    return { close: () => ac.abort() };
  }
}
