import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './harness.js';

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: 'http://127.0.0.1:1', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Like run, without blocking the event loop (for tests that serve HTTP in this process). */
const runAsync = (args: string[], env: Record<string, string> = {}) => runCli(args, { NOMAD_ADDR: 'http://127.0.0.1:1', ...env });

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-cli-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(path.join(dir, n), t);
  return dir;
}

const teamTool = `tools:
  - name: team_jobs
    description: List the team's jobs by prefix.
    annotations: { readOnlyHint: true }
    input: { type: object, properties: { prefix: { type: string, description: Prefix. } } }
    request: { method: GET, path: /v1/jobs, query: { prefix: "{{prefix}}" } }
    response: { pick: [ID, Status] }
`;

describe('nomad-mcp tools validate', () => {
  it('accepts the built-in catalog', () => {
    const r = run(['tools', 'validate']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^\d+ tools, \d+ resource templates and \d+ prompts in \d+ files: valid\.$/m);
  });

  it('prints file:line:col per problem and exits 1', () => {
    const second = teamTool.replace('tools:\n', '').replace('team_jobs', 'team_typo').replace('{{prefix}}', '{{prefx}}');
    const dir = dirWith({ 'ok.yaml': teamTool, 'bad.yaml': teamTool.replace('team_jobs', 'list_jobs') + second });
    const r = run(['tools', 'validate', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/bad\.yaml:2:\d+: duplicate tool name "list_jobs" \(first defined at .*jobs\.yaml:\d+:\d+\)/);
    expect(r.out).toMatch(/bad\.yaml:12:\d+: team_typo: template references "prefx", which the input schema does not declare/);
  });
});

describe('nomad-mcp tools list', () => {
  it('prints JSON with tier, tags and source, filtered by tags', () => {
    const r = run(['tools', 'list', '--json', '--tags', 'logs']);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as { name: string; tier: string; tags: string[]; source: string }[];
    expect(rows.map((x) => x.name)).toContain('get_job_logs');
    expect(rows.every((x) => x.tags.includes('logs'))).toBe(true);
    expect(rows[0].source).toMatch(/tools\.d\/logs\.yaml:\d+/);
  });

  it('--all prints why each hidden tool is hidden, under its row', () => {
    const r = run(['tools', 'list', '--all', '--read-only']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^stop_job\s.*\(hidden\)\n {4}hidden: The tool "stop_job" changes the cluster and the server runs read-only \(--read-only \/ NOMAD_MCP_READ_ONLY\)\.$/m);
    expect(r.out).toMatch(/^drain_node\s.*\(hidden\)\n {4}hidden: .*--read-only/m);
    expect(r.out).toMatch(/^list_jobs\s.*tools\.d\/jobs\.yaml:\d+\n(?! {4}hidden)/m);
    expect(r.out).toMatch(/^\d+ tools \(\d+ hidden by switches\)$/m);
    const rows = JSON.parse(run(['tools', 'list', '--all', '--read-only', '--json']).out) as { name: string; hidden?: string }[];
    expect(rows.find((x) => x.name === 'stop_job')?.hidden).toMatch(/read-only/);
  });

  it('prints a table that includes a team directory', () => {
    const r = run(['tools', 'list', '--tools-dir', dirWith({ 'team.yaml': teamTool })]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^team_jobs\s+\S*\s+read\s+request\s+.*team\.yaml:2/m);
  });
});

describe('nomad-mcp tools call', () => {
  it('runs a tool against the demo simulator', () => {
    const r = run(['tools', 'call', 'get_job_status', '--demo', '--arg', 'job_id=web']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Job web/);
  });

  it('exits 1 on a tool error', () => {
    const r = run(['tools', 'call', 'get_job', '--demo', '--args', '{"job_id":"ghost"}']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('job not found');
  });

  it('runs a team tool from a directory', () => {
    const r = run(['tools', 'call', 'team_jobs', '--demo', '--tools-dir', dirWith({ 'team.yaml': teamTool }), '--arg', 'prefix=we', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { isError: boolean; structured: { items: { ID: string }[] } };
    expect(out.structured.items.map((i) => i.ID)).toEqual(['web']);
  });
});

describe('nomad-mcp tools export', () => {
  it('anthropic, openai and mcp formats', () => {
    const a = JSON.parse(run(['tools', 'export', '--format', 'anthropic']).out) as { name: string; input_schema: object }[];
    expect(a.find((t) => t.name === 'submit_job_file')?.input_schema).toMatchObject({ type: 'object', required: ['content'] });
    const o = JSON.parse(run(['tools', 'export', '--format', 'openai', '--read-only']).out) as { type: string; function: { name: string } }[];
    expect(o.every((t) => t.type === 'function')).toBe(true);
    expect(o.map((t) => t.function.name)).not.toContain('stop_job');
    const m = JSON.parse(run(['tools', 'export', '--format', 'mcp']).out) as { tools: { name: string; annotations: object }[] };
    expect(m.tools.find((t) => t.name === 'list_jobs')?.annotations).toMatchObject({ readOnlyHint: true });
  });
});

describe('nomad-mcp tools export --format markdown', () => {
  it('writes the file with a generic header and says so on stderr', () => {
    const file = path.join(dirWith({}), 'tools.md');
    const r = run(['tools', 'export', '--format', 'markdown', '--read-only', '--out', file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^wrote \d+ tools to .*tools\.md$/m);
    const md = readFileSync(file, 'utf8');
    expect(md).toContain('Generated from the catalog by `nomad-mcp tools export --format markdown`; a test keeps docs/tools.md in sync.');
    expect(md).not.toContain('`stop_job`');
    expect(Number(/^wrote (\d+) tools/m.exec(r.err)![1])).toBe(md.split('\n').filter((l) => l.startsWith('| `')).length);
  });
});

describe('nomad-mcp doctor', () => {
  it('passes against the demo simulator', () => {
    const r = run(['doctor', '--demo']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/✔ reachable\s+leader /);
    expect(r.out).toMatch(/✔ catalog/);
  });

  it('explains an unreachable Nomad and exits 1', () => {
    const r = run(['doctor'], { NOMAD_ADDR: 'http://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✘ reachable\s+Cannot reach Nomad at http:\/\/127\.0\.0\.1:1 \(connection refused\)/);
  });

  it('a namespace that does not exist is unusable: ✘ and exit 1', () => {
    const r = run(['doctor', '--demo', '--namespace', 'nope']);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/✘ namespace\s+nope: Nomad 404/);
    expect(r.err).toContain('Nomad is not usable with this configuration.');
  });

  // four doctor runs, each starting the simulator: generous on a loaded machine
  it('tags that match no tool: ✘ naming the tags that exist, exit 1', { timeout: 120_000 }, () => {
    for (const [args, env] of [[['--tags', 'nope']], [[], { NOMAD_MCP_TOOLSETS: 'nope,other' }]] as [string[], Record<string, string>?][]) {
      const r = run(['doctor', '--demo', ...args], env);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/✘ toolsets\s+no tool is tagged nope(, other)? \(--toolsets \/ NOMAD_MCP_TOOLSETS\): the server would serve 0 tools; the tags are: acl, allocations, .*jobs, logs, nodes/);
      expect(r.err).toContain('not usable');
    }
    const some = run(['doctor', '--demo', '--tags', 'jobs,nope', '--exclude-tools', 'get_job']);
    expect(some.code, some.out).toBe(0);
    expect(some.out).toMatch(/! toolsets\s+no tool is tagged nope /);
    // each hidden tool under the switch that hides it (--exclude-tools was reported as --toolsets)
    expect(some.out).toMatch(/! hidden\s+1 by --exclude-tools: get_job$/m);
    // --toolsets dynamic: the names beside it are enabled at start, and checked the same way
    const dynamic = run(['doctor', '--demo', '--toolsets', 'dynamic,nope']);
    expect(dynamic.code, dynamic.out).toBe(0);
    expect(dynamic.out).toMatch(/! toolsets\s+no tool is tagged nope /);
  });

  it('checks every configured upstream: reachable at any HTTP status, unreachable, tokenEnv unset', async () => {
    const seen: { url?: string; auth?: string }[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      if (req.url?.startsWith('/slow')) return; // never answers: a timeout
      res.writeHead(401).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = dirWith({
        'nomad-mcp.config.yaml': [
          'upstreams:',
          `  billing: { url: "${url}", tokenEnv: BILLING_TOKEN }`,
          `  ledger: { url: "${url}/ledger", tokenEnv: LEDGER_TOKEN }`,
          '  down: { url: "http://127.0.0.1:1" }',
          `  slow: { url: "${url}/slow" }`,
          '',
        ].join('\n'),
      });
      const r = await runAsync(['doctor', '--demo', '--request-timeout', '2500', '--config', path.join(dir, 'nomad-mcp.config.yaml')], { BILLING_TOKEN: 'b-secret' });
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`✔ billing\\s+${url} answers \\(HTTP 401, \\d+ ms\\); token set`));
      expect(r.out).toMatch(new RegExp(`! ledger\\s+${url}/ledger answers \\(HTTP 401, \\d+ ms\\); token env LEDGER_TOKEN is not set`));
      expect(r.out).toMatch(/! down\s+not reachable: .*connection refused/);
      expect(r.out).toMatch(new RegExp(`! slow\\s+not reachable: slow did not answer GET /: timed out after 2500 ms \\(${url}/slow\\)`));
      expect(r.out).not.toContain('b-secret');
      expect(seen).toContainEqual({ url: '/', auth: 'Bearer b-secret' });
      expect(seen).toContainEqual({ url: '/ledger/', auth: undefined });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('a token no HTTP header can carry (issue 16.5)', () => {
  const token = 'c0ffee00-1111-2222-3333-444455556666';
  it('doctor says what is wrong with NOMAD_TOKEN, and never prints it', () => {
    const r = run(['doctor'], { NOMAD_TOKEN: `${token}\r` });
    expect(r.code).toBe(1);
    const all = r.out + r.err;
    expect(all).toMatch(/NOMAD_TOKEN .*has a carriage return \(\\r\) at its end, which an HTTP header cannot carry/);
    expect(all).not.toMatch(/invalid X-Nomad-Token header/i);
    expect(all).not.toContain(token);
  });

  it('a tool call names the offending character of the README-style placeholder', () => {
    const r = run(['tools', 'call', 'list_jobs'], { NOMAD_TOKEN: '"…"' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/NOMAD_TOKEN .*has "…" \(U\+2026\) at character 2 of 3/);
    // and at start, once, before any call
    expect(r.err).toMatch(/Nomad token \(NOMAD_TOKEN\) has "…" \(U\+2026\)/);
  });
});

describe('help and mistyped commands (issue 16.10)', () => {
  it('help, help serve, serve -h and serve --help all print the serve help', () => {
    const top = run(['help']);
    expect(top.code, top.err).toBe(0);
    expect(top.out).toMatch(/COMMANDS[\s\S]*serve/);
    expect(top.out).toMatch(/TOPICS[\s\S]*tools/);
    const forms = [['help', 'serve'], ['serve', '-h'], ['serve', '--help']].map((a) => run(a));
    for (const f of forms) {
      expect(f.code, f.err).toBe(0);
      expect(f.out).toMatch(/USAGE\s+\$ nomad-mcp serve/);
      expect(f.out).toMatch(/--sse\s+Serve over HTTP \(Streamable HTTP \+ legacy SSE \+ REST\); the older name of\s+--http/);
    }
    expect(forms[1].out).toBe(forms[2].out);
  });

  it('a mistyped command suggests the right one and exits 127', () => {
    const r = run(['serv', '--stdio']);
    expect(r.code).toBe(127);
    expect(r.err).toMatch(/Did you mean nomad-mcp serve\?/);
    const t = run(['tools', 'valdate']);
    expect(t.err).toMatch(/Did you mean nomad-mcp tools validate\?/);
  });

  it('each command shows only its own flags, and booleans show their default', () => {
    const v = run(['tools', 'validate', '--help']).out;
    expect(v).toMatch(/--tools-dir/);
    for (const f of ['--namespaces', '--allow-variable-values', '--read-only', '--address']) expect(v).not.toContain(f);
    const l = run(['tools', 'list', '--help']).out;
    expect(l).toMatch(/--read-only\s+List and allow only read tools\. Env:\s+NOMAD_MCP_READ_ONLY \[default: false\]/);
    for (const f of ['--namespaces', '--allow-variable-values', '--address']) expect(l).not.toContain(f);
    const s = run(['serve', '--help']).out;
    expect(s).toMatch(/--\[no-\]watch[\s\S]*\[default: true\]/);
    expect(s).toContain('--namespaces');
    // a flag another command has is refused where it does not apply
    const bad = run(['tools', 'validate', '--namespaces', 'a']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Nonexistent flag: --namespaces/);
  });
});

/** Start `serve`, read stderr until the start-up line, then stop it. */
function startupLineOf(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const line = err.split('\n').find((l) => l.startsWith('serving '));
      if (line) {
        child.kill('SIGTERM');
        resolve(line);
      }
    });
    child.on('error', reject);
    child.on('close', () => reject(new Error(`serve ended without a start-up line:\n${err}`)));
  });
}

describe('the start-up line (issue 16.8)', () => {
  it('names counts, why some are hidden, the transports and the auth mode, on one line', async () => {
    const line = await startupLineOf(['--http', '--port', '0', '--demo', '--tags', 'jobs,logs', '--auth-token', 'secret-startup-1']);
    expect(line).toMatch(
      /^serving \d+ tools \(\d+ hidden: \d+ --toolsets, \d+ no --allow-destructive, 1 no --allow-exec\), \d+ resource templates? \(\d+ hidden: --toolsets\), 0 prompts \(3 hidden: --toolsets\) over http:\/\/127\.0\.0\.1:\d+ \(Streamable HTTP \/mcp, SSE \/mcp\/sse, REST \/api\/tools, \/docs, \/metrics\) with auth: bearer token; Nomad http:\/\/127\.0\.0\.1:\d+ with no NOMAD_TOKEN$/,
    );
    expect(line).not.toContain('secret-startup-1');
    const stdio = await startupLineOf(['--stdio', '--demo', '--read-only']);
    expect(stdio).toMatch(/^serving \d+ tools \(\d+ hidden: --read-only\), .* over stdio with auth: none \(the local user\); Nomad http:\/\/127\.0\.0\.1:\d+ with no NOMAD_TOKEN$/);
  });
});

describe('tools call progress, piped (issue 16.11)', () => {
  it('wait_for_deployment prints plain progress lines on stderr, the answer on stdout', async () => {
    const r = await runAsync(['tools', 'call', 'wait_for_deployment', '--demo', '--arg', 'job_id=payments', '--arg', 'timeout_s=1']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^progress 1\/2: 1\/2 healthy, running$/m);
    expect(r.err).not.toMatch(/\r|\x1b\[/);
    expect(r.out).toMatch(/^Deployment [0-9a-f]{8} of job payments \(version 1\) waits for promotion/);
  });
});
