import { Flags } from '@oclif/core';
import type { ConfigFlags } from '../host/config.js';

/** Flags every command that loads the catalog shares. Env fallbacks live in config.ts (one place). */
export const catalogFlags = {
  config: Flags.string({ description: 'Config file (default: searched as nomad-mcp.config.yaml, .nomad-mcprc, package.json "nomad-mcp")' }),
  'tools-dir': Flags.string({ description: 'Extra directory (or file) of tool descriptors; repeatable. Env: NOMAD_MCP_TOOLS_DIR', multiple: true }),
  'read-only': Flags.boolean({ description: 'List and allow only read tools. Env: NOMAD_MCP_READ_ONLY' }),
  'allow-destructive': Flags.boolean({ description: 'List irreversible tools (purge, delete, drain). Env: NOMAD_MCP_ALLOW_DESTRUCTIVE' }),
  'allow-variable-values': Flags.boolean({ description: 'Let get_variable show values (secrets), not only keys. Env: NOMAD_MCP_ALLOW_VARIABLE_VALUES' }),
  tags: Flags.string({ description: 'Only tools with one of these tags (comma-separated). Env: NOMAD_MCP_TOOLSETS' }),
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
    readOnly: (f['read-only'] as boolean | undefined) || undefined,
    allowDestructive: (f['allow-destructive'] as boolean | undefined) || undefined,
    allowVariableValues: (f['allow-variable-values'] as boolean | undefined) || undefined,
    tags: list(f.tags as string | undefined),
    namespaces: list(f.namespaces as string | undefined),
    publicHosts: f['public-host'] as string[] | undefined,
    trustedProxies: f['trusted-proxy'] as string[] | undefined,
  };
}
