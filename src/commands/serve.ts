import { Command, Flags } from '@oclif/core';
import { boolFlag, catalogFlags, demoFlags, demoOptions, nomadFlags, toConfigFlags } from '../cli/flags.js';
import type { SourcesResult } from '../host/catalog-sources.js';
import type { HttpOptions } from '../host/transports/http.js';

export default class Serve extends Command {
  static override summary = 'Serve the Nomad tool catalog to MCP clients (stdio, or HTTP with --http)';
  static override description =
    'Reads the YAML tool catalog (built-in tools.d/ plus --tools-dir and --tools-from-nomad) and serves it over stdio (default) or, with --http (or --sse), ' +
    'over HTTP on one port: /mcp for 2026-07-28 (stateless) and 2025-era clients (sessions), legacy SSE at /mcp/sse, REST at /api/tools, ' +
    '/healthz and /readyz. Both protocol eras are spoken on stdio too. ' +
    'Nomad is reached at NOMAD_ADDR with NOMAD_TOKEN; --demo starts an in-process Nomad simulator with sample jobs.';
  static override examples = [
    '<%= config.bin %> serve --stdio',
    '<%= config.bin %> serve --stdio --demo',
    '<%= config.bin %> serve --http --port 8000',
    '<%= config.bin %> serve --http --stateless --state-key-file /secrets/state.key',
    '<%= config.bin %> serve --http --stateless --tools-from-nomad nomad-mcp/tools',
    '<%= config.bin %> serve --sse --host 0.0.0.0 --auth nomad --tls-cert cert.pem --tls-key key.pem',
  ];
  static override flags = {
    stdio: boolFlag({ description: 'Serve over stdin/stdout (the default), at the protocol revision the client speaks', exclusive: ['sse', 'http'], default: false }),
    http: boolFlag({
      description: 'Serve over HTTP (Streamable HTTP + legacy SSE + REST) on one port: /mcp, /mcp/sse, /api/tools',
      exclusive: ['stdio'],
      default: false,
    }),
    sse: boolFlag({ description: 'Serve over HTTP (Streamable HTTP + legacy SSE + REST); the older name of --http', exclusive: ['stdio'], default: false }),
    ...demoFlags,
    host: Flags.string({ description: 'HTTP bind address', default: '127.0.0.1' }),
    port: Flags.integer({ description: 'HTTP port (0 picks a free one)', default: 8000, min: 0, max: 65535 }),
    stateless: boolFlag({ description: '2025-era clients are served per request too (no session), for replicas behind a load balancer with no affinity', default: false }),
    'state-key-file': Flags.string({
      description: 'Signs round-trip state (confirmations on 2026-07-28): a file of at least 32 random bytes as hex or base64, the same on every replica. Env: NOMAD_MCP_STATE_KEY_FILE',
    }),
    'tls-cert': Flags.string({ description: 'Serve HTTPS with this certificate (PEM)', dependsOn: ['tls-key'] }),
    'tls-key': Flags.string({ description: 'Private key of --tls-cert (PEM)', dependsOn: ['tls-cert'] }),
    'auth-token': Flags.string({ description: 'Require Authorization: Bearer <token> (repeatable). Env: NOMAD_MCP_AUTH_TOKENS', multiple: true }),
    'auth-token-file': Flags.string({ description: 'Read bearer tokens from this file, one per line (keeps them out of ps). Env: NOMAD_MCP_AUTH_TOKEN_FILE' }),
    auth: Flags.string({
      description: 'nomad = each client\'s bearer token is its Nomad ACL token (per-user passthrough); oauth = clients send OAuth access tokens (oauth: in the config), exchanged for their own Nomad tokens at a Nomad JWT auth method',
      options: ['nomad', 'oauth'],
    }),
    'insecure-passthrough-without-acl': boolFlag({ description: 'Serve --auth nomad even when Nomad does not enforce ACLs (then any bearer string gets full access)', default: false }),
    'insecure-no-auth': boolFlag({ description: 'Allow a non-loopback bind without authentication (not recommended)', default: false }),
    'allowed-origin': Flags.string({ description: 'Allow browser requests (with CORS headers) from this Origin (repeatable)', multiple: true }),
    'public-host': Flags.string({ description: 'A name clients use to reach this server, host or host:port, checked against Host and Origin (repeatable). Env: NOMAD_MCP_PUBLIC_HOSTS', multiple: true }),
    'trusted-proxy': Flags.string({
      description: 'A reverse proxy (IP or CIDR) whose X-Forwarded-For names the real client, so per-address limits apply per client, not per proxy (repeatable). Env: NOMAD_MCP_TRUSTED_PROXIES',
      multiple: true,
    }),
    'rate-limit': Flags.integer({ description: 'Calls that reach Nomad (tools, resources) per minute per verified identity', min: 1 }),
    'unverified-rate-limit': Flags.integer({ description: 'With --auth nomad: token checks per minute shared by all callers with a not-yet-verified token from one address', default: 10, min: 1 }),
    'audit-log': Flags.string({ description: 'Append one JSON line per tool call to this file' }),
    'metrics-token': Flags.string({ description: 'GET /metrics takes this bearer token instead of the API\'s authentication (for a Prometheus scraper). Env: NOMAD_MCP_METRICS_TOKEN', env: 'NOMAD_MCP_METRICS_TOKEN' }),
    metrics: boolFlag({ description: 'Serve Prometheus metrics at /metrics over HTTP (--no-metrics to turn off)', default: true, allowNo: true }),
    docs: boolFlag({ description: 'Serve /openapi.json and the /docs page over HTTP (--no-docs to turn off)', default: true, allowNo: true }),
    otel: boolFlag({ description: 'Export OpenTelemetry traces over OTLP/HTTP (endpoint from OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318); on by itself when that variable is set' }),
    watch: boolFlag({ description: 'Reload the catalog when a tools directory or a Nomad Variable of --tools-from-nomad changes (--no-watch turns it off)', default: true, allowNo: true }),
    ...nomadFlags,
    ...catalogFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const { formatProblem } = await import('../host/errors.js');
    const envTokens = (process.env.NOMAD_MCP_AUTH_TOKENS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const tokenFile = flags['auth-token-file'] ?? (process.env.NOMAD_MCP_AUTH_TOKEN_FILE?.trim() || undefined);
    let fileTokens: string[] = [];
    if (tokenFile) {
      const { readTokenFile } = await import('../cli/token-file.js');
      try {
        fileTokens = readTokenFile(tokenFile, (m) => this.warn(m));
      } catch (err) {
        this.error((err as Error).message, { exit: 2 });
      }
    }
    const tokens = [...(flags['auth-token'] ?? []), ...envTokens, ...fileTokens];
    const overHttp = flags.http || flags.sse;
    const stateKeyFile = flags['state-key-file'] ?? (process.env.NOMAD_MCP_STATE_KEY_FILE?.trim() || undefined);
    let stateKey: Uint8Array | undefined;
    if (stateKeyFile) {
      const { readStateKey } = await import('../host/round-trip.js');
      try {
        stateKey = readStateKey(stateKeyFile);
      } catch (err) {
        this.error((err as Error).message, { exit: 2 });
      }
    } else if (overHttp && flags.stateless) {
      this.warn('--stateless without --state-key-file: confirmations are signed with a key of this process only, so a retry answered by another replica is refused');
    }
    const { isLoopbackHost } = await import('../host/transports/auth.js');
    if (overHttp) {
      if (tokens.length && flags.auth) this.error(`choose one of --auth-token (or a token file) and --auth ${flags.auth}`, { exit: 2 });
      const loopback = isLoopbackHost(flags.host);
      if (!loopback && !tokens.length && !flags.auth) {
        if (!flags['insecure-no-auth']) {
          this.error(`refusing to serve on ${flags.host} without authentication: set --auth-token (or NOMAD_MCP_AUTH_TOKENS, --auth-token-file) or --auth nomad (or --insecure-no-auth)`, { exit: 2 });
        }
        this.warn(`serving on ${flags.host} WITHOUT authentication (--insecure-no-auth): anyone who can reach it operates your cluster`);
      }
      if (!loopback && !flags['tls-cert'] && (tokens.length || flags.auth)) {
        this.warn(
          `serving on ${flags.host} over plain HTTP: ${flags.auth ? 'callers\' Nomad tokens' : 'the bearer token'} cross the network unencrypted; ` +
            'serve HTTPS with --tls-cert/--tls-key, or bind loopback behind a TLS-terminating proxy',
        );
      }
    }
    const { loadForCommand } = await import('../cli/load.js');
    const { rt: runtime, loaded } = await loadForCommand(this, toConfigFlags(flags), {
      ...demoOptions(flags),
      lazy: true,
      exitCode: 2,
      invalidMessage: 'nomad-mcp: the tool catalog is invalid ({n} problem(s)); not starting.',
    });
    const { ToolHost } = await import('../host/server.js');
    const audit = flags['audit-log'] ? new (await import('../host/audit.js')).AuditLog(flags['audit-log']) : undefined;
    const rateLimiter = flags['rate-limit'] ? new (await import('../host/rate-limit.js')).RateLimiter(flags['rate-limit']) : undefined;
    const host = new ToolHost({
      config: runtime.config,
      upstreams: runtime.upstreams,
      plugins: runtime.plugins,
      log: runtime.log,
      tools: loaded.tools,
      resources: loaded.resources,
      prompts: loaded.prompts,
      version: this.config.version,
      audit,
      rateLimiter,
      stateKey,
    });

    // OpenTelemetry loads only when asked for (cold start unchanged otherwise)
    const otelEnv = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    const tracing = flags.otel || otelEnv ? await (await import('../host/tracing.js')).Tracing.start({ serviceVersion: this.config.version }) : undefined;
    if (tracing) host.observe(tracing);

    // a bad descriptor in Nomad Variables stops nothing: its last good version is served, the problem logged
    const logRejected = (r: SourcesResult) => {
      for (const d of r.rejected) {
        for (const p of d.problems) runtime.log.error(formatProblem(p));
        runtime.log.error(`${d.display}: ${d.serving === 'last-good' ? 'serving its last good version' : 'not served'} until it is fixed`);
      }
    };
    logRejected(loaded);
    if (flags.watch && runtime.config.toolsFromNomad) {
      // the first team descriptor from Nomad should not wait for the YAML parser and validators to load
      const { warmLoader } = await import('../host/catalog.js');
      setTimeout(warmLoader, 1000).unref();
    }
    let watching: { close(): void } | undefined;
    if (flags.watch) {
      const { watchSources } = await import('../host/watch.js');
      watching = watchSources(runtime.sources, () => {
        const next = runtime.load({ lazy: true });
        if (next.problems.length) {
          for (const p of next.problems) this.logToStderr(formatProblem(p));
          runtime.log.warn(`catalog reload rejected (${next.problems.length} problem(s)); keeping the last good catalog`);
          host.observers.catalog('rejected');
          return;
        }
        logRejected(next);
        host.setCatalog(next);
        host.observers.catalog('reloaded');
        runtime.log.info(`catalog reloaded: ${host.tools.visible.length} tools`);
      });
    }

    const { startupLine } = await import('../cli/startup.js');
    const nomadTokenNote = runtime.config.upstreams.nomad.token ? "the server's NOMAD_TOKEN" : 'no NOMAD_TOKEN';
    const clusters = runtime.config.clusters;
    // with clusters: each profile has its own token source (doctor shows them)
    const nomadAt =
      clusters.length > 1 ? `Nomad clusters ${clusters.map((c) => `${c.name} ${runtime.config.upstreams[c.upstream]?.url}`).join(', ')}` : `Nomad ${runtime.config.upstreams.nomad.url}`;
    if (!overHttp) {
      this.logToStderr(startupLine(host.tools, 'stdio', `none (the local user); ${clusters.length > 1 ? nomadAt : `${nomadAt} with ${nomadTokenNote}`}`));
      const { serveStdio } = await import('../host/transports/stdio.js');
      await serveStdio(host, async () => {
        watching?.close();
        await tracing?.shutdown().catch(() => {});
        await audit?.flush();
        await runtime.close();
      });
      host.warm();
      return;
    }
    let acl: HttpOptions['acl'];
    if (flags.auth === 'nomad') {
      const { probeAclEnforcement } = await import('../host/nomad-acl.js');
      const nomad = runtime.upstreams.get('nomad');
      const probe = () => probeAclEnforcement(nomad);
      const atStart = await probe();
      const insecure = flags['insecure-passthrough-without-acl'];
      const where = `Nomad at ${runtime.config.upstreams.nomad.url ?? '(no address)'}`;
      if (atStart.state !== 'enforced') {
        const problem =
          atStart.state === 'disabled'
            ? `${where} does not enforce ACLs: with --auth nomad any bearer string would get full access to the cluster (and the server's Gitea credentials)`
            : `cannot tell whether ${where} enforces ACLs (${atStart.reason}), and --auth nomad relies on them`;
        if (!insecure) {
          await runtime.close();
          this.error(`${problem}. Enable ACLs in Nomad, use --auth-token, or pass --insecure-passthrough-without-acl to serve anyway.`, { exit: 2 });
        }
        this.warn(`${problem}; serving anyway (--insecure-passthrough-without-acl)`);
      }
      acl = { atStart, probe, allowDisabled: insecure };
    }
    let auth: HttpOptions['auth'] = flags.auth === 'nomad' ? { kind: 'nomad' } : tokens.length ? { kind: 'tokens', tokens } : { kind: 'none' };
    if (flags.auth === 'oauth') {
      const { OAuthGate, metadataUrlFor, oauthSettings } = await import('../host/oauth/gate.js');
      const [first, ...others] = runtime.config.clusters;
      // the default cluster signs users in at its own auth method when its profile names one
      const settings = oauthSettings({ ...runtime.config.oauth, nomadAuthMethod: first!.nomadAuthMethod ?? runtime.config.oauth?.nomadAuthMethod });
      if (typeof settings === 'string') {
        await runtime.close();
        this.error(settings, { exit: 2 });
      }
      const sso = others.filter((c) => c.sso).map((c) => ({ name: c.name, nomad: runtime.upstreams.get(c.upstream), authMethod: c.nomadAuthMethod ?? settings.nomadAuthMethod }));
      auth = { kind: 'oauth', gate: new OAuthGate(settings, runtime.upstreams.get('nomad'), sso), metadataUrl: metadataUrlFor(settings.audience) };
    }
    const { serveHttp } = await import('../host/transports/http.js');
    let http: Awaited<ReturnType<typeof serveHttp>>;
    try {
      http = await serveHttp(host, {
        host: flags.host,
        port: flags.port,
        stateless: flags.stateless,
        tls: flags['tls-cert'] && flags['tls-key'] ? { cert: flags['tls-cert'], key: flags['tls-key'] } : undefined,
        auth,
        allowedOrigins: flags['allowed-origin'] ?? [],
        publicHosts: runtime.config.publicHosts,
        trustedProxies: runtime.config.trustedProxies,
        nomad: runtime.upstreams.get('nomad'),
        acl,
        // identity caps (issue 10): sessions and legacy SSE streams per identity and in total, idle expiry
        sessionIdleMs: 10 * 60_000,
        maxSessions: 2_000,
        maxSessionsPerIdentity: 50,
        maxSseStreams: 1_000,
        maxSseStreamsPerIdentity: 20,
        maxUnverifiedSessions: 2,
        unverifiedPerMinute: flags['unverified-rate-limit'],
        version: this.config.version,
        docs: flags.docs,
        metrics: flags.metrics,
        metricsToken: flags['metrics-token'],
      });
    } catch (err) {
      await runtime.close();
      this.error((err as Error).message, { exit: 2 });
    }
    // handlers first: a supervisor may send SIGTERM as soon as it reads the listening line
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      runtime.log.info('shutting down: finishing in-flight calls');
      watching?.close();
      await http.close(10_000);
      await tracing?.shutdown().catch(() => {});
      await audit?.flush();
      await runtime.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    this.logToStderr(`listening on ${http.url}`);
    host.warm();
    const authWords =
      flags.auth === 'nomad'
        ? `nomad passthrough (each caller's bearer token is its Nomad token${acl?.atStart.state === 'enforced' ? '; Nomad enforces ACLs' : '; ACLs NOT enforced'})`
        : flags.auth === 'oauth'
          ? `oauth (tokens of ${runtime.config.oauth?.issuer ?? 'the issuer'} exchanged at the Nomad auth method ${runtime.config.oauth?.nomadAuthMethod ?? '?'})`
          : tokens.length
            ? `bearer token${tokens.length === 1 ? '' : `s (${tokens.length})`}`
            : `none${isLoopbackHost(flags.host) ? ' (loopback)' : ' (--insecure-no-auth)'}`;
    const nomadWords = flags.auth || clusters.length > 1 ? nomadAt : `${nomadAt} with ${nomadTokenNote}`;
    this.logToStderr(
      startupLine(
        host.tools,
        `${http.url} (Streamable HTTP /mcp${flags.stateless ? ' stateless' : ''}, SSE /mcp/sse, REST /api/tools${flags.docs ? ', /docs' : ''}${flags.metrics ? ', /metrics' : ''})`,
        `${authWords}; ${nomadWords}`,
      ),
    );
  }
}
