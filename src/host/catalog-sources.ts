import { type CatalogDocument, type LoadOptions, type LoadResult, loadDocuments, targetDocuments } from './catalog.js';
import type { CatalogProblem } from './errors.js';
import { type WatchHandle, watchPath } from './watch.js';

/**
 * Where descriptor documents come from: the built-in `tools.d/`, a tools directory, Nomad Variables. Every source
 * goes through one loader (loadSources) and one hot-reload path (watchSources).
 */
export interface CatalogSource {
  /** For logs: `tools.d`, `Nomad Variables under nomad-mcp/tools`. */
  readonly label: string;
  /**
   * A bad document of this source leaves the catalog serving: its last good version is served instead (or nothing
   * when it never had one), and the load goes on. Otherwise (files the operator deploys) a bad document fails the
   * load: serve refuses to start, a reload is rejected.
   */
  readonly keepsLastGood: boolean;
  /** Its documents now, and the problems of reading them. */
  documents(): { docs: CatalogDocument[]; problems: CatalogProblem[] };
  /** The version of a document last served, if it was (keepsLastGood sources). */
  lastGood?(display: string): CatalogDocument | undefined;
  /** These documents are now served (a load without problems). */
  served?(docs: CatalogDocument[]): void;
  /** Call `changed` when the documents may have changed (`now`: they have, no need to wait for a burst to end). */
  watch?(changed: (now?: boolean) => void): WatchHandle;
}

/** A document that failed and is not served as it is now: what replaced it, and why. */
export interface RejectedDocument {
  display: string;
  problems: CatalogProblem[];
  /** `last-good`: its last good version is served; `nothing`: it contributes nothing until fixed. */
  serving: 'last-good' | 'nothing';
}

export interface SourcesResult extends LoadResult {
  /** Documents of keepsLastGood sources that failed; their problems are not in `problems` (they stop nothing). */
  rejected: RejectedDocument[];
}

/** A directory (or one file) of YAML descriptors, watched on disk. */
export class DirectorySource implements CatalogSource {
  readonly keepsLastGood = false;
  readonly label: string;
  constructor(
    readonly target: string,
    private readonly cwd = process.cwd(),
  ) {
    this.label = target;
  }

  documents(): { docs: CatalogDocument[]; problems: CatalogProblem[] } {
    const problems: CatalogProblem[] = [];
    return { docs: targetDocuments([this.target], problems, this.cwd), problems };
  }

  watch(changed: (now?: boolean) => void): WatchHandle {
    return watchPath(this.target, () => changed());
  }
}

/** Documents given once (a file being checked before `tools push`, a snapshot of another source). */
export class FixedSource implements CatalogSource {
  constructor(
    readonly label: string,
    private readonly docs: CatalogDocument[],
    readonly keepsLastGood = false,
  ) {}

  documents(): { docs: CatalogDocument[]; problems: CatalogProblem[] } {
    return { docs: this.docs, problems: [] };
  }
}

/**
 * Load every source's documents, in order, as one catalog. A document of a keepsLastGood source with a problem
 * (its own, or a clash with another document, such as a duplicate name) is replaced by its last good version, or
 * left out, and the load runs again; each document is replaced at most once, so this ends. Problems of other
 * sources are returned as `problems`, as loadCatalog does. A load without problems marks its documents served.
 */
export function loadSources(sources: CatalogSource[], options: LoadOptions): SourcesResult {
  const readProblems: CatalogProblem[] = [];
  const rejected: RejectedDocument[] = [];
  type Slot = { doc: CatalogDocument; source: CatalogSource; fallback: boolean } | undefined;
  const slots: Slot[] = [];
  for (const source of sources) {
    const { docs, problems } = source.documents();
    if (source.keepsLastGood) {
      // the source could not be read (Nomad unreachable): whatever it holds is served, the problem shown
      if (problems.length) rejected.push({ display: source.label, problems, serving: docs.length ? 'last-good' : 'nothing' });
    } else readProblems.push(...problems);
    for (const doc of docs) slots.push({ doc, source, fallback: false });
  }
  for (;;) {
    const live = slots.filter((s): s is NonNullable<Slot> => s !== undefined);
    const result = loadDocuments(
      live.map((s) => s.doc),
      options,
      [...readProblems],
    );
    const tolerant = new Map(live.filter((s) => s.source.keepsLastGood).map((s) => [s.doc.display, s]));
    const bad = new Set(result.problems.filter((p) => tolerant.has(p.file)).map((p) => p.file));
    if (!bad.size) {
      if (!result.problems.length) {
        for (const source of sources) source.served?.(live.filter((s) => s.source === source).map((s) => s.doc));
      }
      return { ...result, rejected };
    }
    for (const display of bad) {
      const problems = result.problems.filter((p) => p.file === display);
      const i = slots.findIndex((s) => s?.doc.display === display);
      const slot = slots[i]!;
      const good = slot.fallback ? undefined : slot.source.lastGood?.(display);
      if (!slot.fallback) rejected.push({ display, problems, serving: good ? 'last-good' : 'nothing' });
      else {
        // its last good version fails beside the others now (a name another document took since): leave it out
        const r = rejected.find((x) => x.display === display);
        if (r) {
          r.problems.push(...problems);
          r.serving = 'nothing';
        }
      }
      slots[i] = good ? { doc: good, source: slot.source, fallback: true } : undefined;
    }
  }
}
