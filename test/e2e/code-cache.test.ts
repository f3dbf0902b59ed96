// The serve bundle's V8 code cache (src/cli/code-cache.ts): a first start compiles and stores it, the next start uses
// it, a corrupt or foreign file is ignored and replaced, and a place that cannot be written does not stop start-up.
// Each start is its own process (as a client's launch is) with a copy of the built bundle in a directory of the test's own.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './harness.js';

const BUNDLE = path.join(ROOT, 'dist', 'fast', 'serve.cjs');
const LOADER = pathToFileURL(path.join(ROOT, 'dist', 'cli', 'code-cache.js')).href;

/** A copy of the built bundle in a fresh directory. */
function bundleCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-cc-'));
  const copy = path.join(dir, 'serve.cjs');
  copyFileSync(BUNDLE, copy);
  return copy;
}

/** Loads BUNDLE in a new Node process with ENV, writes its cache and says what happened. */
function start(bundle: string, env: Record<string, string>): { state: string; saved?: string; exports: string[] } {
  const script = `const { loadCompiled } = await import(${JSON.stringify(LOADER)});
const l = loadCompiled(${JSON.stringify(bundle)}, { env: process.env });
const saved = l.save();
process.stdout.write(JSON.stringify({ state: l.state, saved, exports: Object.keys(l.exports) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', ...env } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

const home = () => ({ HOME: mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-cc-home-')) });

describe('the serve bundle is compiled with a V8 code cache', () => {
  it('a first start writes the cache next to the bundle, the second start uses it', () => {
    const bundle = bundleCopy();
    const env = home();
    const first = start(bundle, env);
    expect(first.state).toBe('miss');
    expect(first.exports).toEqual(['ParseRefused', 'runServe']);
    expect(path.dirname(first.saved!)).toBe(path.dirname(bundle));
    expect(path.basename(first.saved!)).toContain(process.version);
    const written = statSync(first.saved!).mtimeMs;
    const second = start(bundle, env);
    expect(second).toEqual({ state: 'hit', exports: ['ParseRefused', 'runServe'] });
    expect(statSync(first.saved!).mtimeMs).toBe(written);
  });

  it('a corrupt cache file is ignored and replaced', () => {
    const bundle = bundleCopy();
    const env = home();
    const { saved } = start(bundle, env);
    const good = readFileSync(saved!);
    const bad = Buffer.from(good);
    bad[bad.length - 100] ^= 0xff; // one flipped byte in V8's data: our checksum no longer matches
    writeFileSync(saved!, bad);
    expect(start(bundle, env)).toMatchObject({ state: 'miss', saved });
    expect(start(bundle, env).state).toBe('hit');
    writeFileSync(saved!, 'not a cache at all');
    expect(start(bundle, env)).toMatchObject({ state: 'miss', saved });
    expect(start(bundle, env).state).toBe('hit');
  });

  it('a foreign cache (valid for another script) is rejected by V8 and replaced', () => {
    const bundle = bundleCopy();
    const env = home();
    const { saved } = start(bundle, env);
    // the cache of a different bundle (one more statement) under this bundle's name: its checksum is fine, V8 refuses it
    const other = bundleCopy();
    writeFileSync(other, readFileSync(other, 'utf8').replace(/\n\}\)$/, '\nvoid 0;\n})'));
    const { saved: foreign } = start(other, env);
    copyFileSync(foreign!, saved!);
    expect(start(bundle, env)).toMatchObject({ state: 'rejected', saved });
    expect(start(bundle, env).state).toBe('hit');
  });

  it('a place that cannot be written falls back to the user cache directory, and none at all still starts', () => {
    const bundle = bundleCopy();
    const env = home();
    const { saved } = start(bundle, env);
    // the file next to the bundle is a directory now (read-only for every user, root included)
    const blocked = `${saved!}`;
    copyFileSync(saved!, `${blocked}.bak`);
    spawnSync('rm', ['-f', blocked]);
    mkdirSync(blocked);
    const fallback = start(bundle, env);
    expect(fallback.state).toBe('miss');
    expect(fallback.saved).toBe(path.join(env.HOME, '.cache', 'nomad-mcp', path.basename(blocked)));
    expect(start(bundle, env).state).toBe('hit'); // read from the user cache directory
    // no writable place: XDG_CACHE_HOME is a file, the bundle's place a directory
    const file = path.join(env.HOME, 'not-a-dir');
    writeFileSync(file, '');
    const none = start(bundle, { HOME: env.HOME, XDG_CACHE_HOME: file });
    expect(none).toEqual({ state: 'miss', exports: ['ParseRefused', 'runServe'] }); // nothing saved
  });

  it('bin/run.js serves over stdio from the cached bundle, before and after the cache exists', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: 'http://127.0.0.1:1' };
    for (let i = 0; i < 2; i++) {
      const tools = await toolsList(env);
      expect(tools).toContain('list_jobs');
    }
    const caches = [path.dirname(BUNDLE), path.join(env.HOME, '.cache', 'nomad-mcp')]
      .filter((d) => existsSync(d))
      .flatMap((d) => readdirSync(d).filter((f) => f.startsWith('serve.cjs-') && f.endsWith(`-${process.version}-${process.arch}.v8cache`)));
    expect(caches.length).toBeGreaterThan(0);
  });

  it('a write removes the caches of other builds and Node versions not written for 30 days, and nothing else', () => {
    const bundle = bundleCopy();
    const dir = path.dirname(bundle);
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const stale = path.join(dir, 'serve.cjs-deadbeefdeadbeef-v18.0.0-x64.v8cache');
    const staleTmp = path.join(dir, 'serve.cjs-deadbeefdeadbeef-v18.0.0-x64.v8cache.123.tmp');
    const fresh = path.join(dir, 'serve.cjs-0123456789abcdef-v22.0.0-x64.v8cache');
    const unrelated = path.join(dir, 'notes.v8cache');
    for (const f of [stale, staleTmp, fresh, unrelated]) writeFileSync(f, 'x');
    for (const f of [stale, staleTmp, unrelated]) utimesSync(f, old, old);
    const { state, saved } = start(bundle, home());
    expect(state).toBe('miss');
    expect(readdirSync(dir).sort()).toEqual([path.basename(fresh), path.basename(saved!), 'notes.v8cache', 'serve.cjs'].sort());
  });
});

/** Starts `serve --stdio`, answers initialize and tools/list, closes stdin: the tool names. */
function toolsList(env: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--stdio', '--no-watch'], { cwd: ROOT, env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"id":2'));
      if (line) {
        child.stdin.end();
        child.once('close', () => resolve((JSON.parse(line).result.tools as { name: string }[]).map((t) => t.name)));
      }
    });
    child.on('error', reject);
    const send = (m: object) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  });
}
