#!/usr/bin/env node
// oclif entry point: the command list comes from oclif.manifest.json (built by `npm run build`).
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A clone has no dist/ until `npm run build` (a packed or git install comes built): say so, not "command not found".
if (!existsSync(new URL('../dist/commands/serve.js', import.meta.url))) {
  const root = decodeURIComponent(new URL('..', import.meta.url).pathname);
  process.stderr.write(`nomad-mcp is not built yet: run \`npm run build\` in ${root}\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);

// `serve` over stdio (how an MCP client launches us) skips oclif's start-up: dist/fast/serve.js is the serve command
// bundled at build (scripts/bundle-serve.mjs) and run with oclif's parser and the same flags. Help, HTTP and every
// other command go through oclif; so do flags the parser refuses (oclif prints its usual message).
if (serveOverStdio(argv) && bundleCurrent()) {
  const { runServe, ParseRefused } = await fastServe();
  try {
    await runServe(argv.slice(1));
  } catch (err) {
    if (!(err instanceof ParseRefused)) throw err;
    await oclif();
  }
} else {
  await oclif();
}

/** `serve` without a help flag or an HTTP transport (oclif reads help flags anywhere before `--`). */
function serveOverStdio(args) {
  if (args[0] !== 'serve') return false;
  for (const a of args.slice(1)) {
    if (a === '--') return true;
    if (a === '--help' || a === '-h' || a === '--http' || a === '--sse' || a.startsWith('--http=') || a.startsWith('--sse=')) return false;
  }
  return true;
}

/** The bundle exists and is not older than tsc's output (a `tsc` without `npm run build` leaves it stale). */
function bundleCurrent() {
  try {
    return statSync(new URL('../dist/fast/serve.js', import.meta.url)).mtimeMs >= statSync(new URL('../dist/cli/serve-fast.js', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

/**
 * The serve bundle: compiled with V8's code cache (dist/fast/serve.cjs through dist/cli/code-cache.js, Node 20 has no
 * compile cache for ES modules) where require() loads ES modules too, else (or on any error) the ES module bundle.
 * NOMAD_MCP_CODE_CACHE=0 turns the cache off.
 */
async function fastServe() {
  if (process.features.require_module && process.env.NOMAD_MCP_CODE_CACHE !== '0') {
    try {
      const { loadCompiled } = await import('../dist/cli/code-cache.js');
      return loadCompiled(fileURLToPath(new URL('../dist/fast/serve.cjs', import.meta.url))).exports;
    } catch {
      // not built, unreadable or not compilable here: the ES module bundle
    }
  }
  return import('../dist/fast/serve.js');
}

async function oclif() {
  // oclif checks Node against its own package's engines with semver at import (~40 ms of a cold start);
  // npm already checks ours, so that check is skipped unless asked for.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
