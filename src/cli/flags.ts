import { Flags } from '@oclif/core';
import { demoStateFile } from './demo-state.js';
import type { ConfigFlags } from '../host/config.js';

/** Where the catalog comes from: every command that reads it (tools validate has only these). */
export const sourceFlags = {
  config: Flags.string({ description: 'Config file (default: searched as nomad-mcp.config.yaml, .nomad-mcprc, package.json "nomad-mcp")' }),
  'tools-dir': Flags.string({ description: 'Extra directory (or file) of tool descriptors; repeatable. Env: NOMAD_MCP_TOOLS_DIR', multiple: true }),
  'tools-from-nomad': Flags.string({
    description: 'Also read descriptor files stored as Nomad Variables under this path (one per variable, YAML in item yaml), watched for changes. Env: NOMAD_MCP_TOOLS_FROM_NOMAD',
  }),
};

/** Which tools are served: commands that list, export, check or serve the catalog. Env fallbacks live in config.ts. */
export const selectionFlags = {
  ...sourceFlags,
  'read-only': boolFlag({ description: 'List and allow only read tools. Env: NOMAD_MCP_READ_ONLY', default: false }),
  'allow-destructive': boolFlag({ description: 'List irreversible tools (purge, delete, drain). Env: NOMAD_MCP_ALLOW_DESTRUCTIVE', default: false }),
  'allow-exec': boolFlag({ description: 'Serve exec_in_allocation: run commands inside allocations (each call confirmed). Env: NOMAD_MCP_ALLOW_EXEC', default: false }),
  toolsets: Flags.string({
    description: 'Only tools of these toolsets (catalog tags, comma-separated); "dynamic": list the core tools and let the model enable toolsets (list_toolsets, enable_toolset). Env: NOMAD_MCP_TOOLSETS',
    exclusive: ['tags'],
  }),
  tags: Flags.string({ description: 'The older name of --toolsets. Env: NOMAD_MCP_TOOLSETS' }),
  tools: Flags.string({ description: 'Only these tools, by name (comma-separated). Env: NOMAD_MCP_TOOLS' }),
  'exclude-tools': Flags.string({ description: 'Not these tools, by name (comma-separated). Env: NOMAD_MCP_EXCLUDE_TOOLS' }),
};

/** What a call may do: commands that call tools (serve, tools call). */
export const catalogFlags = {
  ...selectionFlags,
  'allow-variable-values': boolFlag({ description: 'Let get_variable show values (secrets), not only keys. Env: NOMAD_MCP_ALLOW_VARIABLE_VALUES', default: false }),
  namespaces: Flags.string({ description: 'Refuse calls into other namespaces (comma-separated). Env: NOMAD_MCP_ALLOWED_NAMESPACES' }),
};

export const nomadFlags = {
  address: Flags.string({ description: 'Nomad HTTP API address. Env: NOMAD_ADDR (default http://127.0.0.1:4646)' }),
  namespace: Flags.string({ description: 'Default namespace. Env: NOMAD_NAMESPACE (default "default")' }),
  region: Flags.string({ description: 'Region. Env: NOMAD_REGION' }),
  'request-timeout': Flags.integer({ description: 'Upstream request timeout in ms. Env: NOMAD_MCP_REQUEST_TIMEOUT (default 30000)', min: 1 }),
};

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

/** oclif flag values → ConfigFlags (undefined where not given, so env and file still apply). */
export function toConfigFlags(f: Record<string, unknown>): ConfigFlags {
  return {
    configFile: f.config as string | undefined,
    address: f.address as string | undefined,
    namespace: f.namespace as string | undefined,
    region: f.region as string | undefined,
    requestTimeout: f['request-timeout'] as number | undefined,
    toolsDir: f['tools-dir'] as string[] | undefined,
    toolsFromNomad: f['tools-from-nomad'] as string | undefined,
    readOnly: (f['read-only'] as boolean | undefined) || undefined,
    allowDestructive: (f['allow-destructive'] as boolean | undefined) || undefined,
    allowExec: (f['allow-exec'] as boolean | undefined) || undefined,
    allowVariableValues: (f['allow-variable-values'] as boolean | undefined) || undefined,
    tags: list(f.tags as string | undefined),
    toolsets: list(f.toolsets as string | undefined),
    tools: list(f.tools as string | undefined),
    excludeTools: list(f['exclude-tools'] as string | undefined),
    namespaces: list(f.namespaces as string | undefined),
    publicHosts: f['public-host'] as string[] | undefined,
    trustedProxies: f['trusted-proxy'] as string[] | undefined,
  };
}

/**
 * A boolean flag whose help shows its default: oclif's help prints `[default: …]` for option flags only,
 * so a reader of `--help` could not tell whether `--watch` is on unless told.
 */
export function boolFlag(o: { description: string; default?: boolean; allowNo?: boolean; exclusive?: string[] }) {
  const d = o.default ?? false;
  return Flags.boolean({ ...o, default: d, description: `${o.description} [default: ${d}]` });
}

/** The in-process simulator, and where its cluster is kept between runs (each Inspector --cli call is a new process). */
export const demoFlags = {
  demo: boolFlag({ description: 'Run against an in-process Nomad simulator with sample jobs and problems; its cluster is kept between runs (--demo-state)' }),
  'demo-state': Flags.string({
    description: 'With --demo: the file the demo cluster is kept in between runs. Env: NOMAD_MCP_DEMO_STATE (default $XDG_CACHE_HOME/nomad-mcp/demo.json, or ~/.cache/…)',
  }),
  'demo-reset': boolFlag({ description: 'With --demo: start from a fresh demo cluster (the kept one is replaced when this run ends)' }),
};

/** demoFlags' values → bootstrap options (the state file only when --demo is on). */
export function demoOptions(f: { demo?: boolean; 'demo-state'?: string; 'demo-reset'?: boolean }): { demo?: boolean; demoState?: string; demoReset?: boolean } {
  if (!f.demo) return {};
  return { demo: true, demoState: demoStateFile(f['demo-state']), demoReset: f['demo-reset'] };
}
