import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './harness.js';

function run(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A team's project: a config file naming a tools directory and a plugin, both relative to it. */
function teamProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-team-'));
  mkdirSync(path.join(dir, 'tools'));
  mkdirSync(path.join(dir, 'plugins'));
  writeFileSync(
    path.join(dir, 'nomad-mcp.config.yaml'),
    'nomad: { namespace: default }\ntoolsDirs: [./tools]\nplugins: [./plugins/echo.mjs]\nnamespaces: [default, staging]\n',
  );
  writeFileSync(
    path.join(dir, 'plugins', 'echo.mjs'),
    "export default { name: 'team-echo', async call(args, ctx) { return { text: `echo ${args.word} from ${ctx.namespace}` }; } };\n",
  );
  writeFileSync(
    path.join(dir, 'tools', 'team.yaml'),
    `tools:
  - name: team_echo
    description: Echo a word back, from the team's plugin.
    annotations: { readOnlyHint: true }
    input: { type: object, required: [word], properties: { word: { type: string, description: Word. } } }
    plugin: team-echo
`,
  );
  return dir;
}

describe('a config file found in the working directory', () => {
  it('adds its tools directory and plugin', () => {
    const dir = teamProject();
    const r = run(dir, ['tools', 'call', 'team_echo', '--demo', '--arg', 'word=hello']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe('echo hello from default');
  });

  it('refuses calls into namespaces outside its allow-list', () => {
    const dir = teamProject();
    const r = run(dir, ['tools', 'call', 'list_jobs', '--demo', '--arg', 'namespace=prod']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Namespace "prod" is not allowed on this server (allowed: default, staging).');
  });

  it('env beats the file and flags beat env', () => {
    const dir = teamProject();
    const env = run(dir, ['tools', 'call', 'team_echo', '--demo', '--arg', 'word=x'], { NOMAD_NAMESPACE: 'staging' });
    expect(env.out.trim()).toBe('echo x from staging');
    const flag = run(dir, ['tools', 'call', 'team_echo', '--demo', '--arg', 'word=x', '--namespace', 'default'], { NOMAD_NAMESPACE: 'staging' });
    expect(flag.out.trim()).toBe('echo x from default');
  });

  it('NOMAD_MCP_TOOLS_DIR adds a directory too', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-envdir-'));
    writeFileSync(path.join(dir, 'x.yaml'), `tools:
  - name: env_dir_tool
    description: A tool from NOMAD_MCP_TOOLS_DIR.
    annotations: { readOnlyHint: true }
    request: { method: GET, path: /v1/jobs }
    response: { pick: [ID] }
`);
    const r = run(os.tmpdir(), ['tools', 'list', '--json'], { NOMAD_MCP_TOOLS_DIR: dir });
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { name: string }[]).map((t) => t.name)).toContain('env_dir_tool');
  });
});

describe('config file checks', () => {
  it('a typo or a wrong type is an error naming it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-badcfg-'));
    writeFileSync(path.join(dir, 'nomad-mcp.config.yaml'), 'toolDirs: [./tools]\nreadOnly: "false"\nnomad: { adress: http://x }\n');
    const r = run(dir, ['tools', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('toolDirs: unknown key (did you mean toolsDirs?)');
    expect(r.err).toContain('readOnly: must be a boolean, got "false"');
    expect(r.err).toContain('nomad.adress: unknown key (did you mean nomad.address?)');
  });

  it('publicHosts, as the README documents it, is a known key', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-pubcfg-'));
    writeFileSync(path.join(dir, 'nomad-mcp.config.yaml'), 'publicHosts: [mcp.example.com]\n');
    const r = run(dir, ['tools', 'list']);
    expect(r.err).not.toContain('unknown key');
    expect(r.code).toBe(0);
  });

  it('NOMAD_MCP_CONFIG names the file; a missing one says so; TLS paths are relative to it', () => {
    const dir = teamProject();
    const sub = path.join(dir, 'elsewhere');
    mkdirSync(sub);
    const viaEnv = run(sub, ['tools', 'call', 'team_echo', '--demo', '--arg', 'word=hi'], { NOMAD_MCP_CONFIG: path.join(dir, 'nomad-mcp.config.yaml') });
    expect(viaEnv.out.trim()).toBe('echo hi from default');
    const missing = run(sub, ['tools', 'list'], { NOMAD_MCP_CONFIG: path.join(dir, 'nope.yaml') });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`config file ${path.join(dir, 'nope.yaml')} not found`);
    writeFileSync(path.join(dir, 'tls.yaml'), 'nomad: { address: "https://127.0.0.1:1", tls: { caCert: ./certs/ca.pem } }\n');
    const tls = run(sub, ['tools', 'call', 'list_jobs', '--config', path.join(dir, 'tls.yaml')]);
    expect(tls.out).toContain(`NOMAD_CACERT: cannot read ${path.join(dir, 'certs', 'ca.pem')}`);
  });
});
