import { Command, Flags } from '@oclif/core';
import { demoFlags, demoOptions, nomadFlags, selectionFlags, toConfigFlags } from '../cli/flags.js';
import { switchOf } from '../cli/startup.js';
import type { UpstreamConfig } from '../host/config.js';
import type { ClusterProfile } from '../host/clusters.js';
import type { Upstream } from '../host/upstream.js';

type Status = 'ok' | 'warn' | 'fail';

export default class Doctor extends Command {
  static override summary = 'Check the configuration, the Nomad connection and the catalog, and explain what is wrong';
  static override examples = ['<%= config.bin %> doctor', 'NOMAD_ADDR=https://nomad:4646 <%= config.bin %> doctor --read-only'];
  static override flags = { ...nomadFlags, ...selectionFlags, ...demoFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor);
    const { bootstrap } = await import('../cli/bootstrap.js');
    const { buildInventory } = await import('../host/inventory.js');
    const { formatProblem } = await import('../host/errors.js');
    const rt = await bootstrap(toConfigFlags(flags), { ...demoOptions(flags), logLevel: 'warn' });
    const cfg = rt.config;
    let unusable: boolean; // Nomad itself
    let catalogUnusable = false;
    const line = (s: Status, what: string, detail: string) => this.log(`${s === 'ok' ? '✔' : s === 'warn' ? '!' : '✘'} ${what.padEnd(12)} ${detail}`);

    line('ok', 'config', cfg.sources.length ? cfg.sources.join(', ') : 'no config file (env and flags only)');
    // one block per cluster; a server without clusters: has one, printed as before
    const multi = cfg.clusters.length > 1;
    const unusableClusters: string[] = [];
    for (const [i, profile] of cfg.clusters.entries()) {
      if (multi) this.log(`── cluster ${profile.name}${i === 0 ? ' (default)' : ''}`);
      const ok = await this.checkCluster(rt.upstreams.get(profile.upstream), cfg.upstreams[profile.upstream]!, profile, multi, cfg.requestTimeoutMs, line);
      if (!ok) unusableClusters.push(profile.name);
    }
    if (multi && unusableClusters.length) this.log(`── clusters not usable: ${unusableClusters.join(', ')}`);
    unusable = unusableClusters.length > 0;
    const loaded = rt.load();
    if (loaded.problems.length) {
      line('fail', 'catalog', `${loaded.problems.length} problem(s):`);
      for (const p of loaded.problems) this.log(`    ${formatProblem(p)}`);
      catalogUnusable = true; // serve refuses to start on an invalid catalog
    } else {
      const inv = buildInventory(loaded.tools, cfg);
      line('ok', 'catalog', `${loaded.tools.length} tools from ${loaded.files.length} files; ${inv.visible.length} served`);
      if (inv.hidden.size) {
        const reasons = new Map<string, string[]>();
        for (const [name, why] of inv.hidden) {
          const key = switchOf(why);
          reasons.set(key, [...(reasons.get(key) ?? []), name]);
        }
        for (const [k, names] of reasons) line('warn', 'hidden', `${names.length} by ${k}: ${names.join(', ')}`);
      }
      // Tags that match no tool: with none left, the server would serve nothing.
      const known = [...new Set(loaded.tools.flatMap((t) => t.tags))].sort();
      // with --toolsets dynamic the names beside `dynamic` are the toolsets enabled at start
      const unknownTags = (cfg.dynamicToolsets ? (cfg.initialToolsets ?? []) : cfg.tags).filter((t) => !known.includes(t));
      const tagsHelp = `the tags are: ${known.join(', ')}`;
      const tagsFrom = '--toolsets / NOMAD_MCP_TOOLSETS';
      if (inv.visible.length === 0) {
        const why = unknownTags.length ? `no tool is tagged ${unknownTags.join(', ')} (${tagsFrom})` : `no tool is left by these switches (${tagsFrom}: ${cfg.tags.join(', ')})`;
        line('fail', 'toolsets', `${why}: the server would serve 0 tools; ${tagsHelp}`);
        catalogUnusable = true;
      } else if (unknownTags.length) {
        line('warn', 'toolsets', `no tool is tagged ${unknownTags.join(', ')} (${tagsFrom}); ${tagsHelp}`);
      }
    }

    // Descriptors from Nomad Variables: a bad one stops nothing (a running server keeps its last good version), but it is not served as it is
    if (cfg.toolsFromNomad) {
      const prefix = `${cfg.toolsFromNomad}/`;
      const read = loaded.files.filter((f) => f.startsWith(prefix)).length;
      if (!loaded.rejected.length) line('ok', 'team tools', `${read} descriptor variable(s) under ${cfg.toolsFromNomad} (namespace ${cfg.namespace})`);
      for (const d of loaded.rejected) {
        line('warn', 'team tools', `${d.display}: ${d.problems.length} problem(s); not served as it is (a running server keeps its last good version):`);
        for (const p of d.problems) this.log(`    ${formatProblem(p)}`);
      }
    }

    // Every other upstream (gitea, and `upstreams:` in the config): does it answer, is its token there?
    const timeoutMs = Math.min(cfg.requestTimeoutMs, 3000);
    const others = Object.entries(cfg.upstreams).filter(([name]) => name !== 'nomad' && !name.startsWith('nomad@'));
    const checks = await Promise.all(others.map(([name, u]) => checkUpstream(rt.upstreams.get(name), u, timeoutMs)));
    others.forEach(([name, u], i) => {
      const tokenEnvUnset = u.tokenEnv && !process.env[u.tokenEnv];
      if (!u.url) {
        line('warn', name, name === 'gitea' ? 'GITEA_URL not set: repository tools will say so' : 'no url: its tools will fail (set url under upstreams: in the config file)');
        return;
      }
      const r = checks[i]!;
      const token = tokenEnvUnset ? `token env ${u.tokenEnv} is not set` : `token ${u.token ? 'set' : 'not set'}`;
      if (r.ok) line(tokenEnvUnset ? 'warn' : 'ok', name, `${u.url} answers (HTTP ${r.status}, ${r.ms} ms); ${token}`);
      else {
        const error = r.error.replace(/\.$/, '');
        line('warn', name, `not reachable: ${error}${error.includes(u.url) ? '' : ` (${u.url})`}; its tools will fail${tokenEnvUnset ? `; ${token}` : ''}`);
      }
    });

    await rt.close();
    if (unusable) this.logToStderr('Nomad is not usable with this configuration.');
    if (catalogUnusable) this.logToStderr('The catalog is not usable with this configuration: the server would not serve it.');
    if (unusable || catalogUnusable) this.exit(1);
  }

  /** Reachability, TLS, leader, agent, token and default namespace of one cluster; false when it is not usable. */
  private async checkCluster(
    nomad: Upstream,
    nomadCfg: UpstreamConfig,
    profile: ClusterProfile,
    multi: boolean,
    timeoutMs: number,
    line: (s: Status, what: string, detail: string) => void,
  ): Promise<boolean> {
    const { messageOf } = await import('../host/errors.js');
    const { nomadPath } = await import('../host/template.js');
    let unusable = false;
    const tls = nomadCfg.tls ?? {};
    const tlsBits = [tls.caCert && `CA ${tls.caCert}`, tls.caPath && `CA dir ${tls.caPath}`, tls.clientCert && `client cert ${tls.clientCert}`, tls.serverName && `server name ${tls.serverName}`, tls.skipVerify && 'verification OFF (NOMAD_SKIP_VERIFY)'].filter(Boolean);
    line(tls.skipVerify ? 'warn' : 'ok', 'nomad', `${nomadCfg.url}${nomadCfg.url?.startsWith('https:') ? ` (TLS${tlsBits.length ? `: ${tlsBits.join(', ')}` : ''})` : ''}; token ${multi && profile.tokenFrom !== 'none' ? `from ${profile.tokenFrom}` : nomadCfg.token ? 'set' : 'not set'}; namespace ${profile.namespace}${profile.region ? `; region ${profile.region}` : ''}`);

    try {
      const t0 = performance.now();
      const leader = await nomad.get<string>('/v1/status/leader', { timeoutMs: Math.min(timeoutMs, 5000) });
      const ms = Math.round(performance.now() - t0);
      line(leader.data ? 'ok' : 'fail', 'reachable', leader.data ? `leader ${leader.data} (${ms} ms)` : 'no leader elected: the cluster cannot schedule');
      if (!leader.data) unusable = true;
    } catch (err) {
      line('fail', 'reachable', messageOf(err));
      unusable = true;
    }
    if (!unusable && profile.sso && !nomadCfg.token) {
      line('ok', 'token', `none of its own: each user signs in at auth method ${profile.nomadAuthMethod ?? '(oauth.nomadAuthMethod)'} (serve --auth oauth)`);
    } else if (!unusable) {
      try {
        const self = await nomad.get<{ config?: { Version?: { Version?: string }; Region?: string } }>('/v1/agent/self');
        line('ok', 'agent', `Nomad ${self.data?.config?.Version?.Version ?? '?'} region ${self.data?.config?.Region ?? '?'}`);
      } catch (err) {
        line('warn', 'agent', messageOf(err));
      }
      try {
        const tok = await nomad.get<{ Name?: string; Type?: string; Policies?: string[] }>('/v1/acl/token/self');
        line('ok', 'token', `accepted: ${tok.data?.Name || 'unnamed'} (${tok.data?.Type}${tok.data?.Policies?.length ? `, policies ${tok.data.Policies.join(', ')}` : ''})`);
      } catch (err) {
        const msg = messageOf(err);
        if (/ACL support disabled/i.test(msg)) line('ok', 'token', 'ACLs are disabled on this cluster: no token needed');
        else if (/403/.test(msg)) {
          const fix = multi
            ? nomadCfg.token ? `its token (${profile.tokenFrom}) is unknown or expired` : `ACLs are on: give clusters.${profile.name} a tokenEnv or tokenFile`
            : nomadCfg.token ? 'NOMAD_TOKEN is unknown or expired' : 'ACLs are on: set NOMAD_TOKEN';
          line('fail', 'token', `refused (403 Permission denied): ${fix}`);
          unusable = true;
        } else line('warn', 'token', msg);
      }
      try {
        await nomad.get(nomadPath`/v1/namespace/${profile.namespace}`);
        line('ok', 'namespace', `${profile.namespace} exists`);
      } catch (err) {
        // A namespace that does not exist makes every call without an explicit namespace fail.
        const missing = /404/.test(messageOf(err));
        line(missing ? 'fail' : 'warn', 'namespace', `${profile.namespace}: ${messageOf(err)}${missing ? ' (set NOMAD_NAMESPACE or --namespace to an existing one)' : ''}`);
        if (missing) unusable = true;
      }
    }
    return !unusable;
  }
}

/** Reachability of one upstream: any HTTP status means it answers; connection errors and timeouts mean not. */
async function checkUpstream(up: Upstream, cfg: UpstreamConfig, timeoutMs: number): Promise<{ ok: true; status: number; ms: number } | { ok: false; error: string }> {
  if (!cfg.url) return { ok: false, error: 'no url' };
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  try {
    const res = await up.stream('/', { timeoutMs });
    res.body.destroy();
    return { ok: true, status: res.status, ms: ms() };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (typeof status === 'number') return { ok: true, status, ms: ms() };
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
