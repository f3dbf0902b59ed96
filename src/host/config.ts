import { cosmiconfig } from 'cosmiconfig';
import path from 'node:path';

/** TLS settings for one upstream, named after the Nomad CLI's env vars. */
export interface TlsConfig {
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  serverName?: string;
  skipVerify?: boolean;
}

/** One HTTP service the catalog can call (`upstream:` in a descriptor file). */
export interface UpstreamConfig {
  url?: string;
  /** Secret value; never logged. */
  token?: string;
  /** Name of an env var holding the token (config files should not hold secrets). */
  tokenEnv?: string;
  /** Header carrying the token, default `Authorization`. */
  tokenHeader?: string;
  /** Prefix before the token value, default `Bearer ` (Gitea uses `token `). */
  tokenPrefix?: string;
  tls?: TlsConfig;
  /** Human hint shown when `url` is missing. */
  missingHint?: string;
}

export interface HostConfig {
  /** Upstreams by name; `nomad` is always present. */
  upstreams: Record<string, UpstreamConfig>;
  namespace: string;
  region?: string;
  requestTimeoutMs: number;
  toolsDirs: string[];
  plugins: string[];
  readOnly: boolean;
  allowDestructive: boolean;
  /** get_variable shows values (secrets) only when this is set. */
  allowVariableValues: boolean;
  tags: string[];
  allowedNamespaces: string[];
  maxResultBytes: number;
  maxLogBytes: number;
  /** Config files that contributed (for `doctor`). */
  sources: string[];
}

/** Options that come from CLI flags; undefined means "not given". */
export interface ConfigFlags {
  address?: string;
  token?: string;
  namespace?: string;
  region?: string;
  requestTimeout?: number;
  toolsDir?: string[];
  readOnly?: boolean;
  allowDestructive?: boolean;
  allowVariableValues?: boolean;
  tags?: string[];
  namespaces?: string[];
  configFile?: string;
}

/** The parts of a config file we read (`nomad-mcp.config.yaml`, `.nomad-mcprc`, package.json key). */
interface FileConfig {
  nomad?: { address?: string; namespace?: string; region?: string; tls?: TlsConfig; tokenEnv?: string };
  upstreams?: Record<string, UpstreamConfig>;
  requestTimeout?: number;
  toolsDirs?: string[];
  plugins?: string[];
  readOnly?: boolean;
  allowDestructive?: boolean;
  allowVariableValues?: boolean;
  tags?: string[];
  namespaces?: string[];
  maxResultBytes?: number;
  maxLogBytes?: number;
}

const TRUE = /^(1|true|yes|on)$/i;

function envBool(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  return TRUE.test(v);
}

function envList(v: string | undefined, sep = ','): string[] | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  return v.split(sep).map((s) => s.trim()).filter(Boolean);
}

function envInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
  return n;
}

async function readConfigFile(cwd: string, explicit?: string): Promise<{ config: FileConfig; file?: string }> {
  const explorer = cosmiconfig('nomad-mcp', {
    searchPlaces: [
      'package.json',
      '.nomad-mcprc',
      '.nomad-mcprc.json',
      '.nomad-mcprc.yaml',
      '.nomad-mcprc.yml',
      'nomad-mcp.config.yaml',
      'nomad-mcp.config.yml',
      'nomad-mcp.config.json',
      'nomad-mcp.config.js',
      'nomad-mcp.config.mjs',
    ],
    stopDir: cwd,
  });
  const found = explicit ? await explorer.load(explicit) : await explorer.search(cwd);
  if (!found || found.isEmpty) return { config: {}, file: found?.filepath };
  return { config: (found.config ?? {}) as FileConfig, file: found.filepath };
}

/**
 * Build the one typed config: config file, then env (the Nomad CLI's names), then flags.
 * Relative paths in a config file are resolved against that file's directory.
 */
export async function loadConfig(
  flags: ConfigFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<HostConfig> {
  const { config: file, file: fileName } = await readConfigFile(cwd, flags.configFile);
  const base = fileName ? path.dirname(fileName) : cwd;
  const rel = (p: string) => (path.isAbsolute(p) || !p.startsWith('.') ? p : path.resolve(base, p));

  const fileTls = file.nomad?.tls ?? {};
  const nomadTokenFromFileEnv = file.nomad?.tokenEnv ? env[file.nomad.tokenEnv] : undefined;
  const nomad: UpstreamConfig = {
    url: flags.address ?? env.NOMAD_ADDR ?? file.nomad?.address ?? 'http://127.0.0.1:4646',
    token: flags.token ?? env.NOMAD_TOKEN ?? nomadTokenFromFileEnv,
    tokenHeader: 'X-Nomad-Token',
    tokenPrefix: '',
    tls: {
      caCert: env.NOMAD_CACERT ?? fileTls.caCert,
      caPath: env.NOMAD_CAPATH ?? fileTls.caPath,
      clientCert: env.NOMAD_CLIENT_CERT ?? fileTls.clientCert,
      clientKey: env.NOMAD_CLIENT_KEY ?? fileTls.clientKey,
      serverName: env.NOMAD_TLS_SERVER_NAME ?? fileTls.serverName,
      skipVerify: envBool(env.NOMAD_SKIP_VERIFY) ?? fileTls.skipVerify ?? false,
    },
  };

  const upstreams: Record<string, UpstreamConfig> = {};
  for (const [name, u] of Object.entries(file.upstreams ?? {})) {
    upstreams[name] = { ...u, token: u.token ?? (u.tokenEnv ? env[u.tokenEnv] : undefined) };
  }
  const gitea = upstreams.gitea ?? {};
  upstreams.gitea = {
    tokenHeader: 'Authorization',
    tokenPrefix: 'token ',
    ...gitea,
    url: env.GITEA_URL ?? gitea.url,
    token: env.GITEA_TOKEN ?? gitea.token,
    missingHint: 'set GITEA_URL (and GITEA_TOKEN) to a Gitea or Forgejo server',
  };
  upstreams.nomad = nomad;

  const envDirs = envList(env.NOMAD_MCP_TOOLS_DIR, path.delimiter) ?? [];
  return {
    upstreams,
    namespace: flags.namespace ?? env.NOMAD_NAMESPACE ?? file.nomad?.namespace ?? 'default',
    region: flags.region ?? env.NOMAD_REGION ?? file.nomad?.region,
    requestTimeoutMs:
      flags.requestTimeout ??
      envInt('NOMAD_MCP_REQUEST_TIMEOUT', env.NOMAD_MCP_REQUEST_TIMEOUT) ??
      file.requestTimeout ??
      30_000,
    toolsDirs: [...(file.toolsDirs ?? []).map(rel), ...envDirs, ...(flags.toolsDir ?? [])],
    plugins: (file.plugins ?? []).map(rel),
    readOnly: flags.readOnly || (envBool(env.NOMAD_MCP_READ_ONLY) ?? file.readOnly ?? false),
    allowDestructive:
      flags.allowDestructive || (envBool(env.NOMAD_MCP_ALLOW_DESTRUCTIVE) ?? file.allowDestructive ?? false),
    allowVariableValues:
      flags.allowVariableValues || (envBool(env.NOMAD_MCP_ALLOW_VARIABLE_VALUES) ?? file.allowVariableValues ?? false),
    tags: flags.tags ?? envList(env.NOMAD_MCP_TOOLSETS) ?? file.tags ?? [],
    allowedNamespaces: flags.namespaces ?? envList(env.NOMAD_MCP_ALLOWED_NAMESPACES) ?? file.namespaces ?? [],
    maxResultBytes: envInt('NOMAD_MCP_MAX_RESULT_BYTES', env.NOMAD_MCP_MAX_RESULT_BYTES) ?? file.maxResultBytes ?? 24_000,
    maxLogBytes: envInt('NOMAD_MCP_MAX_LOG_BYTES', env.NOMAD_MCP_MAX_LOG_BYTES) ?? file.maxLogBytes ?? 64 * 1024,
    sources: fileName ? [fileName] : [],
  };
}
