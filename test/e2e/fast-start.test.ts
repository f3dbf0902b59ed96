// `serve` over stdio starts from the build-time bundle (dist/fast/serve.js) without oclif's start-up, with the same
// flags and oclif's own parser; help, HTTP and flags the parser refuses go through oclif as before.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './harness.js';

const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: 'http://127.0.0.1:1' };

/** A module hook (Node's module.register) that appends every module URL the process resolves to `log`. */
function resolveRecorder(log: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-fast-'));
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  const register = path.join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return register;
}

/** Serve over stdio, answer initialize and tools/list, then close stdin; the tools listed and stderr. */
function serveOnce(args: string[], nodeArgs: string[] = []): Promise<{ tools: { name: string }[]; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', ...args], { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"id":2'));
      if (line) {
        child.stdin.end();
        child.once('close', () => resolve({ tools: JSON.parse(line).result.tools, err }));
      }
    });
    child.on('error', reject);
    const send = (m: object) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  });
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('serve over stdio starts from the bundle', () => {
  it('answers tools/list without importing oclif or the unbundled SDK', async () => {
    const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-fast-')), 'resolved.txt');
    const { tools, err } = await serveOnce(['--stdio', '--no-watch'], ['--import', resolveRecorder(log)]);
    expect(tools.map((t) => t.name)).toContain('list_jobs');
    expect(err).toMatch(/^serving \d+ tools/m);
    const resolved = readFileSync(log, 'utf8').split('\n');
    // the bundle compiled with the code cache (dist/fast/serve.cjs through code-cache.js), or its ES module build
    expect(resolved.some((u) => u.endsWith('/dist/fast/serve.js') || u.endsWith('/dist/cli/code-cache.js'))).toBe(true);
    expect(resolved.filter((u) => /node_modules\/(@oclif|@modelcontextprotocol|zod)\//.test(u))).toEqual([]);
  });

  it('parses the same flags: read-only, tags, tools-dir and a negated boolean', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-fast-'));
    writeFileSync(
      path.join(dir, 'team.yaml'),
      'tags: [team]\ntools:\n  - name: team_jobs\n    description: Team jobs.\n    annotations: { readOnlyHint: true }\n    request: { method: GET, path: /v1/jobs }\n',
    );
    const { tools, err } = await serveOnce(['--read-only', '--tags', 'team,jobs', '--tools-dir', dir, '--no-watch', '--request-timeout', '5000']);
    const names = tools.map((t) => t.name);
    expect(names).toContain('team_jobs');
    expect(names).toContain('list_jobs');
    expect(names).not.toContain('stop_job'); // a write tool: --read-only
    expect(names).not.toContain('list_nodes'); // not tagged team or jobs
    expect(err).toMatch(/^serving \d+ tools/m);
  });

  it('a flag the parser refuses prints oclif\'s message and usage, exit 2', () => {
    const bogus = run(['serve', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain('Nonexistent flag: --bogus');
    expect(bogus.err).toContain('See more help with --help');
    const low = run(['serve', '--request-timeout', '0']);
    expect(low.code).toBe(2);
    expect(low.err).toContain('Expected an integer greater than or equal to 1');
    const both = run(['serve', '--stdio', '--sse']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('cannot also be provided when using');
  });

  it('an error after parsing exits the way oclif exits: its message, exit 2', () => {
    const r = run(['serve', '--state-key-file', path.join(os.tmpdir(), 'nomad-mcp-no-such-key')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Error: state key file .*nomad-mcp-no-such-key/);
  });
});
