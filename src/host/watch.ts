import { type FSWatcher, statSync, watch } from 'node:fs';
import path from 'node:path';

export interface WatchHandle {
  close(): void;
}

/**
 * Watch tool directories (or single files) for YAML changes; `onChange` runs once per burst
 * of events (debounced), never concurrently with itself.
 */
export function watchCatalog(targets: string[], onChange: () => void | Promise<void>, debounceMs = 150): WatchHandle {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
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
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void fire(), debounceMs);
  };
  for (const target of targets) {
    let dir = target;
    let only: string | undefined;
    try {
      if (statSync(target).isFile()) {
        dir = path.dirname(target);
        only = path.basename(target);
      }
      const w = watch(dir, { persistent: false }, (_event, name) => {
        const file = name?.toString();
        if (only ? file === only : !file || /\.ya?ml$/i.test(file)) schedule();
      });
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // a missing directory was already reported by the catalog loader
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
