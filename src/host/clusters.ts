/**
 * Several Nomad clusters from one server (`clusters:` in the config file). Each profile has its own
 * address, TLS, token source, default namespace and region, namespace allow-list and tags, and its own
 * upstream (own connection pools): a call runs on exactly one profile, so a token configured for,
 * given for or exchanged at one cluster is never sent to another.
 */
import { readFileSync } from 'node:fs';
import type { TlsConfig, UpstreamConfig } from './config.js';
import { suggest } from './suggest.js';

/** One `clusters:` entry as written in the config file. */
export interface ClusterFileConfig {
  address?: string;
  region?: string;
  namespace?: string;
  /** Name of an environment variable holding this cluster's token. */
  tokenEnv?: string;
  /** A file holding this cluster's token (first non-empty line). */
  tokenFile?: string;
  /** Users sign in: their OAuth token is exchanged at this cluster's `nomadAuthMethod` (`serve --auth oauth`). */
  sso?: boolean;
  /** The Nomad JWT auth method for `sso` (default: `oauth.nomadAuthMethod`). */
  nomadAuthMethod?: string;
  /** `serve --auth nomad`: the caller's own token is sent here too (clusters that share ACL tokens, e.g. federated regions). */
  passthrough?: boolean;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  tlsServerName?: string;
  skipVerify?: boolean;
  namespaces?: string[];
  tags?: string[];
}

/** The shape of an entry, for the config file check (did-you-mean on typos). */
export const CLUSTER_SHAPE = {
  address: 'string',
  region: 'string',
  namespace: 'string',
  tokenEnv: 'string',
  tokenFile: 'string',
  sso: 'boolean',
  nomadAuthMethod: 'string',
  passthrough: 'boolean',
  caCert: 'string',
  clientCert: 'string',
  clientKey: 'string',
  tlsServerName: 'string',
  skipVerify: 'boolean',
  namespaces: 'string[]',
  tags: 'string[]',
} as const;

/** A cluster the server can call. The first is the default. */
export interface ClusterProfile {
  name: string;
  /** Its upstream in the registry: `nomad` for the default cluster, `nomad@<name>` for the others. */
  upstream: string;
  /** Default namespace of its calls. */
  namespace: string;
  region?: string;
  /** Namespaces calls may use on this cluster (empty: any). */
  allowedNamespaces: string[];
  /** Tools callable on this cluster must carry one of these tags (empty: any served tool). */
  tags: string[];
  /** Users' OAuth tokens are exchanged at `nomadAuthMethod` for this cluster's calls. */
  sso: boolean;
  nomadAuthMethod?: string;
  /** `--auth nomad`: the caller's token goes to this cluster (always true for the default cluster). */
  passthrough: boolean;
  /** Where its token comes from, for `doctor` (never the token). */
  tokenFrom: string;
}

/** Profile names appear in URIs (`nomad://<cluster>/…`) and tool arguments. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

/** The first non-empty line of a token file; an error names the file, never its contents. */
function readToken(file: string, profile: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`clusters.${profile}.tokenFile: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`);
  }
  const token = text.split(/\r?\n/).map((l) => l.trim()).find(Boolean);
  if (!token) throw new Error(`clusters.${profile}.tokenFile: ${file} holds no token`);
  return token;
}

export interface ClusterDefaults {
  namespace: string;
  region?: string;
  allowedNamespaces: string[];
  requestTimeoutMs?: number;
}

/**
 * The profiles of `clusters:` and their upstream configs (by registry key). Relative file paths are
 * resolved with `rel`. Throws one sentence per problem (a bad name, two token sources, a missing address).
 */
export function clusterProfiles(
  clusters: Record<string, ClusterFileConfig>,
  env: NodeJS.ProcessEnv,
  rel: (p: string) => string,
  defaults: ClusterDefaults,
  splitCredentials: (address: string) => { url: string; basicAuth?: string },
): { profiles: ClusterProfile[]; upstreams: Record<string, UpstreamConfig> } {
  const entries = Object.entries(clusters);
  if (!entries.length) throw new Error('clusters: names no cluster; give at least one, or leave clusters: out');
  const problems: string[] = [];
  const profiles: ClusterProfile[] = [];
  const upstreams: Record<string, UpstreamConfig> = {};
  const multi = entries.length > 1;
  entries.forEach(([name, c], i) => {
    const at = `clusters.${name}`;
    if (!NAME.test(name)) problems.push(`${at}: a cluster name is letters, digits, - and _ (it appears in URIs and the cluster argument)`);
    if (!c.address) problems.push(`${at}.address: missing (the cluster's Nomad HTTP API, e.g. https://nomad.example:4646)`);
    const sources = (['tokenEnv', 'tokenFile', 'sso'] as const).filter((k) => c[k] !== undefined && c[k] !== false);
    if (sources.length > 1) problems.push(`${at}: give one token source, not ${sources.join(' and ')}`);
    let token: string | undefined;
    let tokenFrom = 'none';
    try {
      if (c.tokenEnv) {
        token = env[c.tokenEnv]?.trim() || undefined;
        tokenFrom = `env ${c.tokenEnv}${token ? '' : ' (not set)'}`;
      } else if (c.tokenFile) {
        const file = rel(c.tokenFile);
        token = readToken(file, name);
        tokenFrom = `file ${file}`;
      } else if (c.sso) tokenFrom = `SSO at auth method ${c.nomadAuthMethod ?? '(oauth.nomadAuthMethod)'}`;
    } catch (err) {
      problems.push((err as Error).message);
    }
    const key = i === 0 ? 'nomad' : `nomad@${name}`;
    const address = splitCredentials(c.address ?? '');
    const tls: TlsConfig = {
      caCert: c.caCert && rel(c.caCert),
      clientCert: c.clientCert && rel(c.clientCert),
      clientKey: c.clientKey && rel(c.clientKey),
      serverName: c.tlsServerName,
      skipVerify: c.skipVerify ?? false,
    };
    upstreams[key] = {
      url: address.url || undefined,
      basicAuth: address.basicAuth,
      token,
      tokenEnv: c.tokenEnv,
      tokenHeader: 'X-Nomad-Token',
      tokenPrefix: '',
      tls,
      label: multi ? `Nomad (${name})` : undefined,
      nomad: true,
      cluster: name,
    };
    profiles.push({
      name,
      upstream: key,
      namespace: c.namespace ?? defaults.namespace,
      region: c.region ?? defaults.region,
      allowedNamespaces: c.namespaces ?? defaults.allowedNamespaces,
      tags: c.tags ?? [],
      sso: c.sso === true,
      nomadAuthMethod: c.nomadAuthMethod,
      passthrough: i === 0 || c.passthrough === true,
      tokenFrom,
    });
  });
  if (problems.length) throw new Error(problems.join('; '));
  return { profiles, upstreams };
}

/** The one profile of a server without `clusters:` (NOMAD_ADDR, NOMAD_TOKEN, --namespace…). */
export function implicitProfile(defaults: ClusterDefaults, tokenFrom: string): ClusterProfile {
  return {
    name: 'default',
    upstream: 'nomad',
    namespace: defaults.namespace,
    region: defaults.region,
    allowedNamespaces: defaults.allowedNamespaces,
    tags: [],
    sso: false,
    passthrough: true,
    tokenFrom,
  };
}

/** The profile a call names (undefined or '' = the default); undefined when no profile has that name. */
export function profileNamed(profiles: ClusterProfile[], name: unknown): ClusterProfile | undefined {
  if (name === undefined || name === '') return profiles[0];
  return typeof name === 'string' ? profiles.find((p) => p.name === name) : undefined;
}

/** The tool error for a cluster name that is not configured. */
export function unknownCluster(profiles: ClusterProfile[], name: unknown): string {
  const shown = typeof name === 'string' ? `"${name.length > 60 ? `${name.slice(0, 60)}…` : name}"` : JSON.stringify(name)?.slice(0, 60);
  const near = typeof name === 'string' && name.length <= 64 ? suggest(name, profiles.map((p) => p.name)) : undefined;
  return `Unknown cluster ${shown}: this server knows ${profiles.map((p) => p.name).join(', ')} (default ${profiles[0]!.name}).${near ? ` Did you mean ${near}?` : ''}`;
}
