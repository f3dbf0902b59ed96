import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suggest } from './suggest.js';
import { CLUSTER_SHAPE, type ClusterFileConfig, type ClusterProfile, clusterProfiles, implicitProfile } from './clusters.js';
import { variablesPrefix } from './variable-path.js';

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
  /** `user:password` for HTTP basic auth (NOMAD_HTTP_AUTH, or credentials in the address); never logged. */
  basicAuth?: string;
  /** Human hint shown when `url` is missing. */
  missingHint?: string;
  /** A Nomad cluster (its 403s name capabilities, its redirects name NOMAD_ADDR). */
  nomad?: boolean;
  /** Name shown in messages (default: `Nomad` for Nomad, else the upstream's name). */
  label?: string;
  /** The `clusters:` profile this upstream is (its settings are named in hints). */
  cluster?: string;
}

/** An address without its user:password part, which moves to `basicAuth` (so it is never displayed). */
export function splitCredentials(address: string): { url: string; basicAuth?: string } {
  try {
    const u = new URL(address);
    if (!u.username && !u.password) return { url: address };
    const basicAuth = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    u.username = '';
    u.password = '';
    return { url: u.toString().replace(/\/$/, ''), basicAuth };
  } catch {
    return { url: address };
  }
}

export interface HostConfig {
  /** Upstreams by name; `nomad` (the default cluster) is always present, other clusters are `nomad@<name>`. */
  upstreams: Record<string, UpstreamConfig>;
  /** The Nomad clusters, the default first: one implicit profile without `clusters:` in the config file. */
  clusters: ClusterProfile[];
  namespace: string;
  region?: string;
  requestTimeoutMs: number;
  toolsDirs: string[];
  /** Descriptor files stored as Nomad Variables under this path (one variable per file, YAML in item `yaml`). */
  toolsFromNomad?: string;
  plugins: string[];
  readOnly: boolean;
  allowDestructive: boolean;
  /** exec_in_allocation (commands inside allocations) is served only when this is set. */
  allowExec: boolean;
  /** get_variable shows values (secrets) only when this is set. */
  allowVariableValues: boolean;
  tags: string[];
  /**
   * `--toolsets dynamic`: tools/list starts with the core toolset and the discovery tools, and each caller
   * enables toolsets (see toolsets.ts); `tags` is then empty and the other toolsets named are enabled at start.
   */
  dynamicToolsets?: boolean;
  initialToolsets?: string[];
  /** `--tools`: only these tools, by name (empty = no such filter). */
  onlyTools: string[];
  /** `--exclude-tools`: never these tools, by name. */
  excludeTools: string[];
  allowedNamespaces: string[];
  maxResultBytes: number;
  maxLogBytes: number;
  /** Names HTTP clients use to reach `serve --sse` (Host/Origin check), besides its bind address. */
  publicHosts: string[];
  /** Reverse proxies (IPs or CIDRs) whose X-Forwarded-For names the real client, for per-address limits. */
  trustedProxies: string[];
  /** Tool calls and resource reads one client may have under way at once. */
  maxCallsPerClient: number;
  /** Long requests (log follows, event streams, blocking waits) one client may have open at once. */
  maxStreamsPerClient: number;
  /** Long requests open at once, all clients together (also the size of each upstream's stream pool). */
  maxStreams: number;
  /** `serve --auth oauth`: the identity provider whose tokens are accepted and the Nomad auth method they are exchanged at. */
  oauth?: OAuthConfig;
  /** Config files that contributed (for `doctor`). */
  sources: string[];
}

/** The OAuth resource server (`oauth:` in a config file, NOMAD_MCP_OAUTH_* in the environment). */
export interface OAuthConfig {
  /** The authorization server's issuer URL (the tokens' `iss`). */
  issuer?: string;
  /** This server's resource identifier: the `aud` tokens must carry. */
  audience?: string;
  /** The issuer's JWKS; discovered from its metadata when absent. */
  jwksUri?: string;
  /** Scopes every token must hold. */
  requiredScopes?: string[];
  /** The Nomad JWT auth method the tokens are exchanged at (`POST /v1/acl/login`). */
  nomadAuthMethod?: string;
}

/** Options that come from CLI flags; undefined means "not given". */
export interface ConfigFlags {
  address?: string;
  token?: string;
  namespace?: string;
  region?: string;
  requestTimeout?: number;
  toolsDir?: string[];
  toolsFromNomad?: string;
  readOnly?: boolean;
  allowDestructive?: boolean;
  allowExec?: boolean;
  allowVariableValues?: boolean;
  tags?: string[];
  /** `--toolsets` (the name of record; `--tags` is the older one). */
  toolsets?: string[];
  tools?: string[];
  excludeTools?: string[];
  namespaces?: string[];
  publicHosts?: string[];
  trustedProxies?: string[];
  configFile?: string;
}

/** The parts of a config file we read (`nomad-mcp.config.yaml`, `.nomad-mcprc`, package.json key). */
interface FileConfig {
  nomad?: { address?: string; namespace?: string; region?: string; tls?: TlsConfig; tokenEnv?: string };
  upstreams?: Record<string, UpstreamConfig>;
  requestTimeout?: number;
  toolsDirs?: string[];
  toolsFromNomad?: string;
  plugins?: string[];
  readOnly?: boolean;
  allowDestructive?: boolean;
  allowExec?: boolean;
  allowVariableValues?: boolean;
  tags?: string[];
  toolsets?: string[];
  tools?: string[];
  excludeTools?: string[];
  namespaces?: string[];
  maxResultBytes?: number;
  maxLogBytes?: number;
  publicHosts?: string[];
  trustedProxies?: string[];
  maxCallsPerClient?: number;
  maxStreamsPerClient?: number;
  maxStreams?: number;
  oauth?: OAuthConfig;
  clusters?: Record<string, ClusterFileConfig>;
}

const TRUE = /^(1|true|yes|on)$/i;

/** An env value, or undefined when unset or empty (`NOMAD_ADDR=` means "not set", as for the Nomad CLI). */
function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

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

/** A concurrency cap: a whole number of at least 1. */
function cap(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got ${n}`);
  return n;
}

const SEARCH_PLACES = [
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
];

/**
 * Whether cosmiconfig could find anything in `cwd` (the search stops there): a config file, or a
 * package.json with a `nomad-mcp` key. When not, start-up does not load cosmiconfig and its loaders.
 */
function mayHaveConfig(cwd: string): boolean {
  if (SEARCH_PLACES.slice(1).some((f) => existsSync(path.join(cwd, f)))) return true;
  const pkg = path.join(cwd, 'package.json');
  if (!existsSync(pkg)) return false;
  try {
    const json = JSON.parse(readFileSync(pkg, 'utf8')) as unknown;
    return json === null || typeof json !== 'object' || 'nomad-mcp' in json;
  } catch {
    return true; // cosmiconfig reports the broken file
  }
}

async function readConfigFile(cwd: string, explicit?: string): Promise<{ config: FileConfig; file?: string }> {
  if (!explicit && !mayHaveConfig(cwd)) return { config: {} };
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('nomad-mcp', { searchPlaces: SEARCH_PLACES, stopDir: cwd });
  if (explicit && !existsSync(explicit)) throw new Error(`config file ${explicit} not found`);
  const found = explicit ? await explorer.load(explicit) : await explorer.search(cwd);
  if (!found || found.isEmpty) return { config: {}, file: found?.filepath };
  const config = (found.config ?? {}) as FileConfig;
  checkFileConfig(config, path.basename(found.filepath));
  return { config, file: found.filepath };
}

type Kind = 'string' | 'number' | 'boolean' | 'string[]' | Record<string, unknown>;
const TLS_SHAPE: Record<string, Kind> = { caCert: 'string', caPath: 'string', clientCert: 'string', clientKey: 'string', serverName: 'string', skipVerify: 'boolean' };
const UPSTREAM_SHAPE: Record<string, Kind> = { url: 'string', token: 'string', tokenEnv: 'string', tokenHeader: 'string', tokenPrefix: 'string', tls: TLS_SHAPE };
const FILE_SHAPE: Record<string, Kind> = {
  nomad: { address: 'string', namespace: 'string', region: 'string', tokenEnv: 'string', tls: TLS_SHAPE },
  upstreams: { '*': UPSTREAM_SHAPE },
  requestTimeout: 'number',
  toolsDirs: 'string[]',
  toolsFromNomad: 'string',
  plugins: 'string[]',
  readOnly: 'boolean',
  allowDestructive: 'boolean',
  allowExec: 'boolean',
  allowVariableValues: 'boolean',
  tags: 'string[]',
  toolsets: 'string[]',
  tools: 'string[]',
  excludeTools: 'string[]',
  namespaces: 'string[]',
  maxResultBytes: 'number',
  maxLogBytes: 'number',
  maxCallsPerClient: 'number',
  maxStreamsPerClient: 'number',
  maxStreams: 'number',
  publicHosts: 'string[]',
  trustedProxies: 'string[]',
  oauth: { issuer: 'string', audience: 'string', jwksUri: 'string', requiredScopes: 'string[]', nomadAuthMethod: 'string' },
  clusters: { '*': CLUSTER_SHAPE },
};

/** `--toolsets a,b` filters by tag; with `dynamic` among them, nothing is filtered and the others start enabled. */
function toolsetsOf(names: string[]): Pick<HostConfig, 'tags' | 'dynamicToolsets' | 'initialToolsets'> {
  if (!names.includes('dynamic')) return { tags: names };
  return { tags: [], dynamicToolsets: true, initialToolsets: names.filter((n) => n !== 'dynamic') };
}

/** A config file is checked like a descriptor: a typo'd key or a wrong type is an error naming it, not ignored. */
function checkFileConfig(value: unknown, file: string): void {
  const problems: string[] = [];
  const walk = (v: unknown, shape: Kind, where: string) => {
    if (typeof shape === 'string') {
      const ok =
        shape === 'string[]' ? Array.isArray(v) && v.every((x) => typeof x === 'string') : typeof v === shape && (shape !== 'number' || Number.isFinite(v));
      if (!ok) problems.push(`${where}: must be ${shape === 'string[]' ? 'a list of strings' : `a ${shape}`}, got ${JSON.stringify(v)}`);
      return;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${where || 'the file'}: must be a mapping`);
      return;
    }
    for (const [k, sub] of Object.entries(v as Record<string, unknown>)) {
      const inner = shape['*'] ?? shape[k];
      const at = where ? `${where}.${k}` : k;
      if (inner === undefined) {
        const known = Object.keys(shape);
        const near = suggest(k, known);
        problems.push(`${at}: unknown key${near ? ` (did you mean ${where ? `${where}.` : ''}${near}?)` : ''}; known: ${known.join(', ')}`);
      } else walk(sub, inner as Kind, at);
    }
  };
  walk(value, FILE_SHAPE, '');
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
}

/** `oauth:` from the file, each key overridden by its NOMAD_MCP_OAUTH_* variable; undefined when neither sets anything. */
function oauthConfig(file: OAuthConfig | undefined, env: NodeJS.ProcessEnv): OAuthConfig | undefined {
  const o: OAuthConfig = {
    issuer: nonEmpty(env.NOMAD_MCP_OAUTH_ISSUER) ?? file?.issuer,
    audience: nonEmpty(env.NOMAD_MCP_OAUTH_AUDIENCE) ?? file?.audience,
    jwksUri: nonEmpty(env.NOMAD_MCP_OAUTH_JWKS_URI) ?? file?.jwksUri,
    requiredScopes: envList(env.NOMAD_MCP_OAUTH_REQUIRED_SCOPES, ' ') ?? file?.requiredScopes,
    nomadAuthMethod: nonEmpty(env.NOMAD_MCP_OAUTH_NOMAD_AUTH_METHOD) ?? file?.nomadAuthMethod,
  };
  return Object.values(o).some((v) => v !== undefined) ? o : undefined;
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
  const { config: file, file: fileName } = await readConfigFile(cwd, flags.configFile ?? nonEmpty(env.NOMAD_MCP_CONFIG));
  const base = fileName ? path.dirname(fileName) : cwd;
  // paths in a config file are relative to that file; a plugin that is not a path is a package name
  const rel = (p: string) => path.resolve(base, p);
  const pluginRef = (p: string) => (path.isAbsolute(p) || p.startsWith('.') ? path.resolve(base, p) : p);
  const relTls = (t: TlsConfig | undefined): TlsConfig | undefined =>
    t && {
      ...t,
      caCert: t.caCert && rel(t.caCert),
      caPath: t.caPath && rel(t.caPath),
      clientCert: t.clientCert && rel(t.clientCert),
      clientKey: t.clientKey && rel(t.clientKey),
    };

  const fileTls = relTls(file.nomad?.tls) ?? {};
  const nomadTokenFromFileEnv = file.nomad?.tokenEnv ? env[file.nomad.tokenEnv] : undefined;
  const address = splitCredentials(flags.address ?? nonEmpty(env.NOMAD_ADDR) ?? file.nomad?.address ?? 'http://127.0.0.1:4646');
  const nomad: UpstreamConfig = {
    url: address.url,
    basicAuth: nonEmpty(env.NOMAD_HTTP_AUTH) ?? address.basicAuth,
    token: flags.token ?? nonEmpty(env.NOMAD_TOKEN) ?? nomadTokenFromFileEnv,
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
    upstreams[name] = { ...u, ...(u.url ? splitCredentials(u.url) : {}), tls: relTls(u.tls), token: u.token ?? (u.tokenEnv ? nonEmpty(env[u.tokenEnv]) : undefined) };
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
  upstreams.nomad = { ...nomad, nomad: true };

  const namespace = flags.namespace ?? nonEmpty(env.NOMAD_NAMESPACE) ?? file.nomad?.namespace ?? 'default';
  const region = flags.region ?? nonEmpty(env.NOMAD_REGION) ?? file.nomad?.region;
  const allowedNamespaces = flags.namespaces ?? envList(env.NOMAD_MCP_ALLOWED_NAMESPACES) ?? file.namespaces ?? [];
  let clusters: ClusterProfile[];
  if (file.clusters) {
    // each profile is its own: NOMAD_ADDR, NOMAD_TOKEN and the NOMAD_* TLS variables are not read for any of them
    if (flags.address || flags.token) throw new Error(`${path.basename(fileName ?? 'config')}: clusters: names every cluster's address and token; --address and --token do not apply`);
    if (file.nomad) throw new Error(`${path.basename(fileName ?? 'config')}: give nomad: or clusters:, not both (a cluster's settings go in its clusters: entry)`);
    let c;
    try {
      c = clusterProfiles(file.clusters, env, rel, { namespace, region, allowedNamespaces }, splitCredentials);
    } catch (err) {
      throw new Error(`${path.basename(fileName ?? 'config')}: ${(err as Error).message}`);
    }
    clusters = c.profiles;
    Object.assign(upstreams, c.upstreams);
  } else {
    const tokenFrom = flags.token ? '--token' : nonEmpty(env.NOMAD_TOKEN) ? 'NOMAD_TOKEN' : nomadTokenFromFileEnv ? `env ${file.nomad!.tokenEnv}` : 'none';
    clusters = [implicitProfile({ namespace, region, allowedNamespaces }, tokenFrom)];
  }
  const first = clusters[0]!;

  const envDirs = envList(env.NOMAD_MCP_TOOLS_DIR, path.delimiter) ?? [];
  const fromNomad = flags.toolsFromNomad ?? nonEmpty(env.NOMAD_MCP_TOOLS_FROM_NOMAD) ?? file.toolsFromNomad;
  let toolsFromNomad: string | undefined;
  if (fromNomad !== undefined) {
    try {
      toolsFromNomad = variablesPrefix(fromNomad);
    } catch (err) {
      throw new Error(`--tools-from-nomad (NOMAD_MCP_TOOLS_FROM_NOMAD, toolsFromNomad:): ${(err as Error).message}`);
    }
  }
  return {
    upstreams,
    clusters,
    namespace: first.namespace,
    region: first.region,
    requestTimeoutMs:
      flags.requestTimeout ??
      envInt('NOMAD_MCP_REQUEST_TIMEOUT', env.NOMAD_MCP_REQUEST_TIMEOUT) ??
      file.requestTimeout ??
      30_000,
    toolsDirs: [...(file.toolsDirs ?? []).map(rel), ...envDirs, ...(flags.toolsDir ?? [])],
    toolsFromNomad,
    plugins: (file.plugins ?? []).map(pluginRef),
    readOnly: flags.readOnly || (envBool(env.NOMAD_MCP_READ_ONLY) ?? file.readOnly ?? false),
    allowDestructive:
      flags.allowDestructive || (envBool(env.NOMAD_MCP_ALLOW_DESTRUCTIVE) ?? file.allowDestructive ?? false),
    allowExec: flags.allowExec || (envBool(env.NOMAD_MCP_ALLOW_EXEC) ?? file.allowExec ?? false),
    allowVariableValues:
      flags.allowVariableValues || (envBool(env.NOMAD_MCP_ALLOW_VARIABLE_VALUES) ?? file.allowVariableValues ?? false),
    ...toolsetsOf(flags.toolsets ?? flags.tags ?? envList(env.NOMAD_MCP_TOOLSETS) ?? file.toolsets ?? file.tags ?? []),
    onlyTools: flags.tools ?? envList(env.NOMAD_MCP_TOOLS) ?? file.tools ?? [],
    excludeTools: flags.excludeTools ?? envList(env.NOMAD_MCP_EXCLUDE_TOOLS) ?? file.excludeTools ?? [],
    allowedNamespaces: first.allowedNamespaces,
    maxResultBytes: envInt('NOMAD_MCP_MAX_RESULT_BYTES', env.NOMAD_MCP_MAX_RESULT_BYTES) ?? file.maxResultBytes ?? 24_000,
    maxLogBytes: envInt('NOMAD_MCP_MAX_LOG_BYTES', env.NOMAD_MCP_MAX_LOG_BYTES) ?? file.maxLogBytes ?? 64 * 1024,
    publicHosts: flags.publicHosts ?? envList(env.NOMAD_MCP_PUBLIC_HOSTS) ?? file.publicHosts ?? [],
    trustedProxies: flags.trustedProxies ?? envList(env.NOMAD_MCP_TRUSTED_PROXIES) ?? file.trustedProxies ?? [],
    maxCallsPerClient: cap('NOMAD_MCP_MAX_CALLS_PER_CLIENT (maxCallsPerClient:)', envInt('NOMAD_MCP_MAX_CALLS_PER_CLIENT', env.NOMAD_MCP_MAX_CALLS_PER_CLIENT) ?? file.maxCallsPerClient ?? 16),
    maxStreamsPerClient: cap('NOMAD_MCP_MAX_STREAMS_PER_CLIENT (maxStreamsPerClient:)', envInt('NOMAD_MCP_MAX_STREAMS_PER_CLIENT', env.NOMAD_MCP_MAX_STREAMS_PER_CLIENT) ?? file.maxStreamsPerClient ?? 4),
    maxStreams: cap('NOMAD_MCP_MAX_STREAMS (maxStreams:)', envInt('NOMAD_MCP_MAX_STREAMS', env.NOMAD_MCP_MAX_STREAMS) ?? file.maxStreams ?? 32),
    oauth: oauthConfig(file.oauth, env),
    sources: fileName ? [fileName] : [],
  };
}
