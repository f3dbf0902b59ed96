#!/usr/bin/env node
// Build step (after tsc): bundle `serve` over stdio (dist/cli/serve-fast.js, with the MCP SDK, zod and oclif's
// parser) into dist/fast/, which bin/run.js imports instead of starting oclif. A few files instead of ~300 modules:
// Node resolves, reads and compiles far less before answering initialize. Our modules serve imports on demand
// (HTTP transports, the simulator, OpenTelemetry) stay in split chunks loaded when imported. Only the packages
// start-up needs are bundled (BUNDLED); every other package stays outside and loads from node_modules when used
// (undici at the first request, cosmiconfig only with a config file, yaml/ajv/handlebars on first use), which
// also keeps their CommonJS named exports working (a bundled CommonJS package imported with import() would
// only have a default export).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';

const OUT = 'dist/fast';
/** Packages serve imports before it answers initialize and tools/list. */
const BUNDLED = /^(@oclif\/core|@modelcontextprotocol\/(server|core)|zod)(\/|$)/;

/** Bare specifiers outside BUNDLED (and what they require()) stay imports of the installed package. */
const onlyStartupPackages = {
  name: 'only-startup-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || BUNDLED.test(args.path)) return undefined;
      // what a bundled package require()s comes along (oclif's debug, wrap-ansi, ansis…), except TypeScript
      if (args.kind === 'require-call' && /[\\/]node_modules[\\/]/.test(args.importer) && args.path !== 'typescript') return undefined;
      return { path: args.path, external: true };
    });
  },
};
rmSync(OUT, { recursive: true, force: true });
/**
 * oclif's parts serve never runs before a command error (Config.load, the help classes) load on first use instead of
 * at start-up: `@oclif/core` becomes Command and Flags (all our commands import from it), and the config and help
 * modules become proxies that require the installed ones when a property is read (oclif reads them only inside
 * Command.run's Config.load, a help flag, and the error handler's help display).
 */
const lazyOclif = {
  name: 'lazy-oclif',
  setup(b) {
    b.onResolve({ filter: /^@oclif\/core$/ }, () => ({ path: 'oclif-core', namespace: 'oclif-subset' }));
    b.onLoad({ filter: /.*/, namespace: 'oclif-subset' }, () => ({
      contents: "export { Command } from '@oclif/core/command'; export * as Flags from '@oclif/core/flags';",
      resolveDir: process.cwd(),
      loader: 'js',
    }));
    b.onLoad({ filter: /@oclif[\\/]core[\\/]lib[\\/](config|help)[\\/]index\.js$/ }, (args) => {
      const part = /[\\/](config|help)[\\/]index\.js$/.exec(args.path)[1];
      return {
        contents: `module.exports = new Proxy({}, { get: (_, k) => require('@oclif/core/${part}?installed')[k], has: (_, k) => k in require('@oclif/core/${part}?installed') });`,
        loader: 'js',
      };
    });
    b.onResolve({ filter: /^@oclif\/core\/(config|help)\?installed$/ }, (args) => ({ path: args.path.replace('?installed', ''), external: true }));
  },
};

await build({
  entryPoints: { serve: 'dist/cli/serve-fast.js' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [lazyOclif, onlyStartupPackages],
  // CommonJS packages in the bundle (oclif) call require() for Node's own modules
  banner: { js: "import { createRequire as __nomadMcpRequire } from 'node:module'; const require = __nomadMcpRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});

/**
 * The same entry as one function expression for src/cli/code-cache.ts, which compiles it through vm.Script with V8's
 * code cache (Node 20 has no module.enableCompileCache; ESM cannot be compiled with a cache there). CommonJS output, so
 * everything is in this one file: our modules serve imports on demand are in it too (esbuild keeps them lazy: their
 * functions are compiled only when they run). import() of packages outside the bundle stays an import() (supported
 * dynamic-import) renamed __nomadMcpImport: code-cache.ts passes its own import(), from dist/cli/ as bootstrap.js
 * would (vm.Script's importModuleDynamically is experimental on Node 20 and lost by functions from the cache). A package outside the bundle
 * imported statically becomes require(): only the HTTP modules do that (jose, ws, the SDK's HTTP parts), and bin/run.js
 * uses this file only where require() loads ES modules too (process.features.require_module).
 */
/**
 * The simulator (--demo) stays the installed dist/sim/ (it shares no code with the product): ~380 KB less to read.
 * Its import('../sim/index.js') from dist/cli/bootstrap.js resolves the same from dist/cli/code-cache.js.
 */
const simOutside = {
  name: 'sim-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/sim\/index\.js$/ }, (args) => (args.kind === 'dynamic-import' && /[\\/]dist[\\/]cli$/.test(args.resolveDir) ? { path: args.path, external: true } : undefined));
  },
};
const cjs = await build({
  entryPoints: { serve: 'dist/cli/serve-fast.js' },
  outfile: `${OUT}/serve.cjs`,
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: { 'dynamic-import': true },
  define: { 'import.meta.url': '__nomadMcpUrl' },
  plugins: [lazyOclif, simOutside, onlyStartupPackages],
  // no comments, ASCII only: Node reads and V8 hashes a one-byte string (a few non-ASCII comments made all 2.3 MB two-byte)
  charset: 'ascii',
  minifyWhitespace: true,
  logLevel: 'warning',
  legalComments: 'none',
});
// esbuild leaves non-ASCII characters in regular expression literals: escaped too (\uXXXX means the same there)
const text = cjs.outputFiles[0].text;
if (/\\[^\x00-\x7f]/.test(text)) throw new Error('bundle-serve: an escaped non-ASCII character in serve.cjs cannot be rewritten as \\uXXXX');
const code = text
  .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  .replace(/(?<![\w$.])import\(/g, '__nomadMcpImport(');
const body = `(function (exports, require, module, __filename, __dirname, __nomadMcpUrl, __nomadMcpImport) {\n${code}\n})`;
const hash = createHash('sha256').update(body).digest('hex').slice(0, 32);
writeFileSync(`${OUT}/serve.cjs`, `//nomad-mcp-bundle ${hash}\n${body}`);
console.error(`bundle-serve: ${OUT}/serve.js and ${OUT}/serve.cjs written`);
