import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CatalogSource, DirectorySource, loadSources, type SourcesResult } from '../host/catalog-sources.js';
import { type ConfigFlags, type HostConfig, loadConfig } from '../host/config.js';
import { formatProblem } from '../host/errors.js';
import { headerValueProblem } from '../host/header-value.js';
import { createLogger, type Logger } from '../host/log.js';
import { BUILTIN_TOOLS_DIR } from '../host/paths.js';
import type { Plugin } from '../host/plugin.js';
import { UpstreamRegistry } from '../host/upstream.js';
import { builtinPlugins } from '../plugins/index.js';

export interface Runtime {
  config: HostConfig;
  log: Logger;
  upstreams: UpstreamRegistry;
  plugins: Map<string, Plugin>;
  /** Directories/files the catalog is read from, built-in first. */
  toolTargets: string[];
  /** Where the catalog comes from: those directories, then Nomad Variables (--tools-from-nomad). */
  sources: CatalogSource[];
  /** Load the catalog; `lazy` defers compiling input validators to first use (serve's cold start). */
  load(opts?: { lazy?: boolean }): SourcesResult;
  close(): Promise<void>;
}

/** A team's plugin module: a path relative to the config file, or a package name. */
async function importPlugin(spec: string): Promise<Plugin> {
  const target = spec.startsWith('.') || path.isAbsolute(spec) ? pathToFileURL(path.resolve(spec)).href : spec;
  let mod: { default?: Plugin };
  try {
    mod = (await import(target)) as { default?: Plugin };
  } catch (err) {
    const hint = /Cannot find (package|module) 'nomad-mcp/.test((err as Error).message)
      ? ' It imports nomad-mcp/plugin: install nomad-mcp next to it, or export a plain { name, call } object instead (definePlugin only adds types).'
      : '';
    throw new Error(`the plugin ${spec} (plugins: in the config file) could not be loaded: ${(err as Error).message.split('\n')[0]}.${hint}`);
  }
  const plugin = mod.default;
  if (!plugin || typeof plugin.call !== 'function' || typeof plugin.name !== 'string') {
    throw new Error(`plugin module ${spec} must default-export definePlugin({ name, call })`);
  }
  return plugin;
}

export interface BootstrapOptions {
  /** Start the in-process simulator with sample jobs and point Nomad (and Gitea) at it. */
  demo?: boolean;
  /** With demo: keep the cluster in this file between runs (loaded at start, saved at close). */
  demoState?: string;
  /** With demo: start from the seed, ignoring the kept cluster. */
  demoReset?: boolean;
  logLevel?: Parameters<typeof createLogger>[0];
}

/** Config → upstreams → plugins: everything a command needs before it loads the catalog. */
export async function bootstrap(flags: ConfigFlags, opts: BootstrapOptions = {}): Promise<Runtime> {
  const config = await loadConfig(flags);
  const log = createLogger(opts.logLevel);
  const closers: (() => Promise<void>)[] = [];
  if (opts.demo) {
    const { startSimulator, DEMO_SCENARIOS } = await import('../sim/index.js');
    // The demo cluster has problems worth diagnosing (a restart loop, an OOM kill, a down node…).
    const sim = await startSimulator({ port: 0, seed: 'demo', scenarios: DEMO_SCENARIOS, stateFile: opts.demoState, resetState: opts.demoReset });
    closers.push(() => sim.close());
    config.upstreams.nomad.url = sim.url;
    config.upstreams.nomad.token = undefined;
    config.upstreams.gitea.url ??= sim.url;
    const kept = opts.demoState ? `; cluster ${sim.restored ? 'loaded from' : 'new, kept in'} ${opts.demoState} (--demo-reset starts afresh)` : '';
    log.info(`demo mode: Nomad simulator with sample jobs and seeded problems at ${sim.url}${kept}`);
  }
  // A token no HTTP header can carry fails every call; say so once at start, without the token.
  for (const [name, u] of Object.entries(config.upstreams)) {
    const bad = u.token ? headerValueProblem(u.token) : undefined;
    if (bad) log.warn(`the ${name === 'nomad' ? 'Nomad token (NOMAD_TOKEN)' : `${name} token`} has ${bad}, which an HTTP header cannot carry: every ${name === 'nomad' ? 'Nomad' : name} call will fail until it is fixed`);
  }
  const plugins = builtinPlugins();
  for (const spec of config.plugins) {
    const p = await importPlugin(spec);
    if (plugins.has(p.name)) throw new Error(`plugin ${spec}: the name "${p.name}" is already taken`);
    plugins.set(p.name, p);
  }
  const upstreams = new UpstreamRegistry(config.upstreams, config.requestTimeoutMs, { perClient: config.maxStreamsPerClient, total: config.maxStreams });
  const toolTargets = [BUILTIN_TOOLS_DIR, ...config.toolsDirs];
  const sources: CatalogSource[] = toolTargets.map((t) => new DirectorySource(t));
  if (config.toolsFromNomad) {
    const { NomadVariablesSource } = await import('../host/catalog-nomad.js');
    const fromNomad = new NomadVariablesSource(upstreams.get('nomad'), config.toolsFromNomad, config.namespace, log);
    await fromNomad.readOnce(Math.min(config.requestTimeoutMs, 5000));
    sources.push(fromNomad);
  }
  return {
    config,
    log,
    upstreams,
    plugins,
    toolTargets,
    sources,
    load: (o) => {
      const loaded = loadSources(sources, { plugins, upstreams: upstreams.names(), lazyValidators: o?.lazy });
      // served at the stricter tier; `tools validate` fails on them
      for (const m of loaded.mismatches) log.warn(`${formatProblem(m)}`);
      return loaded;
    },
    close: async () => {
      await upstreams.close();
      for (const c of closers) await c();
    },
  };
}
