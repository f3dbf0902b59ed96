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
import { rmSync } from 'node:fs';

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
console.error(`bundle-serve: ${OUT}/serve.js written`);
