import { type FSWatcher, statSync, watch } from 'node:fs';
import path from 'node:path';

export interface WatchHandle {
  close(): void;
}

/** What watchSources needs of a catalog source (see catalog-sources.ts). */
interface Watchable {
  watch?(changed: (now?: boolean) => void): WatchHandle;
}

/**
 * Watch every catalog source; `onChange` runs once per burst of changes (debounced; at once when a source says the
 * change is complete, as a Nomad blocking query does), never concurrently with itself.
 */
export function watchSources(sources: Watchable[], onChange: () => void | Promise<void>, debounceMs = 150): WatchHandle {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;
  const fire = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await onChange();
    } catch (err) {
      // a reload must never take the server down: keep serving the last good catalog
      process.stderr.write(`nomad-mcp error: catalog reload failed: ${(err as Error).message}\n`);
    } finally {
      running = false;
      if (again && !closed) {
        again = false;
        schedule(true);
      }
    }
  };
  const schedule = (now?: boolean) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void fire(), now ? 0 : debounceMs);
  };
  const handles = sources.map((s) => s.watch?.(schedule)).filter((h): h is WatchHandle => h !== undefined);
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const h of handles) h.close();
    },
  };
}

/** Watch a tools directory (or a single file) for YAML changes; `changed` may fire many times per edit. */
export function watchPath(target: string, changed: () => void): WatchHandle {
  let dir = target;
  let only: string | undefined;
  try {
    if (statSync(target).isFile()) {
      dir = path.dirname(target);
      only = path.basename(target);
    }
    const w: FSWatcher = watch(dir, { persistent: false }, (_event, name) => {
      const file = name?.toString();
      if (only ? file === only : !file || /\.ya?ml$/i.test(file)) changed();
    });
    w.on('error', () => {});
    return { close: () => w.close() };
  } catch {
    // a missing directory was already reported by the catalog loader
    return { close() {} };
  }
}
