import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';
import { type Served, spawnServe } from './http-harness.js';

/**
 * The MCP Inspector's CLI mode (@modelcontextprotocol/inspector-cli, a client nobody here wrote) runs every command
 * the README shows, over stdio, Streamable HTTP and legacy SSE, from the directory the README says. The commands are
 * read from the README itself; only the server's address and a config file path are filled in.
 */
const PACKAGE = '@modelcontextprotocol/inspector-cli@1.0.3';
const INSPECTOR = path.join(path.dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/package.json')), 'build', 'cli.js');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const SECTION = README.slice(README.indexOf('**MCP Inspector**'), README.indexOf('## The tools'));

/** The shell lines of the section's ```sh blocks, continuation lines joined. */
function shellLines(): string[] {
  const blocks = [...SECTION.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, '').split('\n')).map((l) => l.trim()).filter(Boolean);
}

/** Words of a shell line: spaces split, single and double quotes group (all the README uses). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

const lines = shellLines();
const cdLine = lines.find((l) => l.startsWith('cd '));
const CWD = path.join(ROOT, cdLine ? cdLine.slice(3) : '.');
const inspectorLines = lines.filter((l) => l.startsWith(`npx ${PACKAGE} `));
const serveLine = lines.find((l) => / serve --http /.test(l))!;
const README_URL = /http:\/\/127\.0\.0\.1:8000/;

function inspect(line: string, subs: { url?: string; config?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let filled = line;
  if (subs.url) filled = filled.replace(README_URL, subs.url);
  if (subs.config) filled = filled.replace('/path/to/nomad-mcp.config.yaml', subs.config);
  const argv = words(filled).slice(2); // npx <package>: the installed package's bin
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [INSPECTOR, ...argv], { cwd: CWD, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What an Inspector command printed: the JSON result of its method. */
function result(r: { code: number | null; stdout: string; stderr: string }): any {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
}

function check(line: string, out: any): void {
  if (line.includes('--method tools/list')) {
    expect(out.tools.map((t: { name: string }) => t.name)).toContain('list_jobs');
  } else {
    expect(line).toContain('--method tools/call --tool-name ');
    expect(out.isError, JSON.stringify(out)).toBeFalsy();
    // the README's calls: list_jobs, and create_job then get_job_status of the job it created (the demo cluster is kept)
    if (line.includes('--tool-name list_jobs')) expect(out.content[0].text).toMatch(/^web {2,}default {2,}service {2,}/m);
    if (line.includes('--tool-name get_job_status')) expect(out.content[0].text).toContain('api');
  }
}

let served: Served;
let url = '';
beforeAll(async () => {
  // the README's serve line, on a free port instead of 8000
  const args = words(serveLine.replace(/\s*&$/, ''));
  const from = args.indexOf('serve') + 1;
  const flags = args.slice(from).filter((w, i, all) => w !== '--port' && all[i - 1] !== '--port');
  served = await spawnServe(flags, {});
  url = served.url;
}, 60_000);
afterAll(async () => {
  await served?.stop();
});

describe('the MCP Inspector CLI, as the README shows it', () => {
  it('the README has the commands this test runs', () => {
    expect(cdLine).toBe('cd docs');
    const transports = inspectorLines.map((l) => (l.includes('--transport sse') ? 'sse' : l.includes('--transport http') ? 'http' : 'stdio'));
    expect(new Set(transports)).toEqual(new Set(['stdio', 'http', 'sse']));
    expect(inspectorLines.filter((l) => l.includes('--header "Authorization: Bearer ')).length).toBe(transports.filter((t) => t !== 'stdio').length);
  });

  it('over stdio: tools/list and tools/call list_jobs, and a nomad-mcp flag after --', async () => {
    const config = path.join(mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-inspector-')), 'nomad-mcp.config.yaml');
    writeFileSync(config, 'readOnly: true\n');
    const stdio = inspectorLines.filter((l) => !l.includes('--transport'));
    expect(stdio.length).toBeGreaterThanOrEqual(3);
    for (const line of stdio) {
      const out = result(await inspect(line, { config }));
      check(line, out);
      // the config file reached nomad-mcp (not the Inspector): read-only serves no write tool
      if (line.includes('--config')) expect(out.tools.map((t: { name: string }) => t.name)).not.toContain('stop_job');
    }
  }, 240_000);

  it('over Streamable HTTP and legacy SSE, with the bearer token; without it the server refuses', async () => {
    const remote = inspectorLines.filter((l) => l.includes('--transport'));
    for (const line of remote) check(line, result(await inspect(line, { url })));
    const bare = remote[0].replace(/--header "[^"]*"/, '');
    const refused = await inspect(bare, { url });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('missing bearer token');
  }, 240_000);
});
