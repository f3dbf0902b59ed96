// Node 20 has no module.enableCompileCache: compiling the serve bundle is ~100 ms of every cold start. The bundle is
// also built as one function expression (dist/fast/serve.cjs, scripts/bundle-serve.mjs) that is compiled here through
// vm.Script with V8's code cache: the first start compiles it and, once it has answered its first requests, stores
// script.createCachedData() (the functions compiled so far); later starts hand that to V8 instead of compiling.
// The cache file is keyed by the bundle's hash, Node's version and the architecture, carries its own checksum
// (V8 only checks its header in release builds), is written atomically (temp file + rename) next to the bundle when
// that is writable, else under the user's cache directory, and V8 verifies it again (cachedDataRejected: written anew).
// Any error (read-only install, no HOME, a corrupt or foreign file) only means compiling as before.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('NMCPCC1\0');
const HEADER = MAGIC.length + 8; // magic, crc32 of the payload, payload length

/** What happened to the cache on this start (tests and the bench read it). */
export type CacheState = 'hit' | 'miss' | 'rejected';

export interface Loaded {
  exports: Record<string, unknown>;
  state: CacheState;
  /** The file the cache was read from (hit) or will be written to (first writable). */
  file?: string;
  /** Writes the cache now when this start did not use one (also done by itself after a while and at exit). */
  save(): string | undefined;
}

/** Where the cache for BUNDLE may live, first choice first: next to the bundle, then the user's cache directory. */
export function cacheFiles(bundle: string, hash: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const name = `${path.basename(bundle)}-${hash}-${process.version}-${process.arch}.v8cache`;
  const files = [path.join(path.dirname(bundle), name)];
  let home: string | undefined;
  try {
    home = env.HOME || os.homedir();
  } catch {
    home = undefined;
  }
  const base = env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : undefined);
  if (base && path.isAbsolute(base)) files.push(path.join(base, 'nomad-mcp', name));
  return files;
}

/** The cache payload in FILE, or undefined when it is missing, truncated or its checksum does not match. */
function readCache(file: string): Buffer | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < HEADER || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const sum = buf.readUInt32LE(MAGIC.length);
  const len = buf.readUInt32LE(MAGIC.length + 4);
  const payload = buf.subarray(HEADER);
  if (payload.length !== len || crc32(payload) !== sum) return undefined;
  return payload;
}

/** Writes DATA to FILE through a temp file and a rename; false on any error. */
function writeCache(file: string, data: Buffer): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const head = Buffer.alloc(HEADER);
    MAGIC.copy(head);
    head.writeUInt32LE(crc32(data), MAGIC.length);
    head.writeUInt32LE(data.length, MAGIC.length + 4);
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, head);
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    return false;
  }
}

/** Cache files of another bundle build or Node version not written for this long are removed (see pruneStale). */
export const STALE_MS = 30 * 24 * 3600 * 1000;

/**
 * Removes, beside KEEP, the cache files of the same bundle name (other hashes, other Node versions) that were not
 * written for STALE_MS: the user cache directory is shared by every install and Node version, so an upgrade would
 * otherwise leave ~1 MB behind each time; a file another install still uses is at worst written again once.
 */
export function pruneStale(keep: string, now = Date.now()): void {
  const dir = path.dirname(keep);
  const prefix = `${path.basename(keep).split('-')[0]}-`;
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || !(name.endsWith('.v8cache') || name.endsWith('.tmp'))) continue;
      const file = path.join(dir, name);
      if (file === keep) continue;
      try {
        if (now - statSync(file).mtimeMs > STALE_MS) unlinkSync(file);
      } catch {
        // gone already, or not ours to remove
      }
    }
  } catch {
    // the directory cannot be listed: nothing to prune
  }
}

/**
 * Compiles and runs BUNDLE (a `(function (exports, require, module, __filename, __dirname, __nomadMcpUrl, __nomadMcpImport) {…})`
 * whose first line is `//nomad-mcp-bundle <hash>`) with the code cache, and returns its exports.
 * Throws when the bundle cannot be read or compiled (the caller imports the ESM bundle instead).
 */
export function loadCompiled(bundle: string, opts: { env?: NodeJS.ProcessEnv; saveAfterMs?: number } = {}): Loaded {
  const source = readFileSync(bundle, 'utf8');
  const hash = /^\/\/nomad-mcp-bundle ([0-9a-f]{16,})\n/.exec(source)?.[1];
  if (!hash) throw new Error(`${bundle} is not a nomad-mcp bundle`);
  const files = cacheFiles(bundle, hash, opts.env);
  let cachedData: Buffer | undefined;
  let from: string | undefined;
  for (const f of files) {
    cachedData = readCache(f);
    if (cachedData) {
      from = f;
      break;
    }
  }
  const script = new vm.Script(source, {
    filename: bundle,
    cachedData,
  });
  const state: CacheState = !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as Record<string, unknown> };
  // the bundle's import() of packages outside it (undici, cosmiconfig, OpenTelemetry, code plugins): ours, from dist/cli/
  const importer = (spec: string): Promise<unknown> => import(spec);
  fn.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle), pathToFileURL(bundle).href, importer);

  let saved: string | undefined;
  let done = state === 'hit';
  const save = (): string | undefined => {
    if (done) return saved;
    done = true;
    try {
      const data = script.createCachedData();
      // a rejected file is replaced where it was found; otherwise the first writable place
      const order = from ? [from, ...files.filter((f) => f !== from)] : files;
      saved = order.find((f) => writeCache(f, data));
      if (saved) pruneStale(saved);
    } catch {
      saved = undefined;
    }
    return saved;
  };
  if (!done) {
    // after the first requests were answered the cache holds what they compiled too; at exit at the latest
    setTimeout(save, opts.saveAfterMs ?? 1500).unref();
    process.once('exit', () => save());
  }
  return { exports: module.exports, state, file: from ?? files[0], save };
}
