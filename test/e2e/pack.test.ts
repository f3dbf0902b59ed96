/**
 * Issue 16.2: the packed package installs with no build and runs. `npm pack` makes a tarball with the
 * built dist/ (the build runs in `prepack`); it installs into an empty project with the runtime
 * dependencies only (no TypeScript, no oclif CLI), and `npx nomad-mcp serve --stdio --demo` from that
 * project answers tools/list to the SDK's client.
 *
 * The suite runs after `npm run build` (`npm test`), so the test packs with --ignore-scripts: running
 * `prepack` here would rewrite dist/ under the other test files running at the same time. That `prepack`
 * builds is checked on package.json. The project installs offline (tests use no network beyond loopback):
 * its lockfile is the repository's runtime entries, whose tarballs `npm ci` has already put in npm's cache.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

describe('npm pack → install in an empty project → npx nomad-mcp (issue 16.2)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-pack-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('builds in prepack, not in prepare (a clone run through npx must not rebuild)', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.scripts.prepare).toBeUndefined();
  });

  it('the tarball installs with runtime dependencies only and serves tools/list', { timeout: 300_000 }, async () => {
    const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain('dist/commands/serve.js');
    expect(files).toContain('dist/fast/serve.cjs');
    expect(files.filter((f) => f.endsWith('.v8cache'))).toEqual([]); // the code cache is made where it runs
    expect(files).toContain('oclif.manifest.json');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((f) => f.startsWith('test/'))).toBe(false);

    const project = path.join(tmp, 'project');
    execFileSync('mkdir', ['-p', project]);
    const tarball = `file:../${packed[0].filename}`;
    const manifest = { name: 'empty', version: '1.0.0', private: true, dependencies: { 'nomad-mcp': tarball } };
    writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest));
    // the lockfile: nomad-mcp from the tarball, and the repository's lock entries that are not dev-only
    const repoLock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; bin: object; engines: object };
    const packages: Record<string, unknown> = {
      '': manifest,
      'node_modules/nomad-mcp': { version: pkg.version, resolved: tarball, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
    };
    // npm 11 leaves `resolved` out of lock entries: written here, npm finds each tarball in its cache by integrity
    // and needs no package metadata from the registry
    for (const [where, entry] of Object.entries(repoLock.packages)) {
      if (!where || entry.dev || entry.link) continue;
      const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const version = (entry as { version: string }).version;
      packages[where] = { resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`, ...entry };
    }
    writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify({ name: 'empty', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
    npm(['ci', '--offline', '--omit=dev', '--no-audit', '--no-fund'], project);
    const installed = readdirSync(path.join(project, 'node_modules'));
    expect(installed).toContain('nomad-mcp');
    // no compiler, no test runner: only what runs
    for (const dev of ['typescript', 'vitest', 'oclif', '@types']) expect(installed).not.toContain(dev);
    expect(existsSync(path.join(project, 'node_modules', 'nomad-mcp', 'dist', 'commands', 'serve.js'))).toBe(true);

    const transport = new StdioClientTransport({
      command: 'npx',
      args: ['--no-install', 'nomad-mcp', 'serve', '--stdio', '--demo'],
      cwd: project,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp },
      stderr: 'pipe',
    });
    let err = '';
    transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('list_jobs');
      const jobs = await client.callTool({ name: 'list_jobs', arguments: {} });
      expect(jobs.isError, err).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
