/**
 * The files in deploy/ are jobspecs and an ACL policy a team runs as they are: each parses with the simulator's
 * HCL jobspec and policy parsers (a syntax error or an unknown block fails here, not on the cluster), and the
 * replica job runs what the README says: 3 stateless replicas with --auth nomad, the catalog from Nomad Variables,
 * the state key from a variable, health checks on native service discovery.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/sim/aclpolicy.js';
import { parseJobspec } from '../../src/sim/jobspec.js';

const DEPLOY = path.resolve('deploy');
const read = (f: string) => readFileSync(path.join(DEPLOY, f), 'utf8');
// parseJobspec answers api.Job: loosely typed here
const job = (f: string): any => parseJobspec(read(f), {});

describe('deploy/', () => {
  it('nomad-mcp.nomad.hcl: 3 replicas of serve --http --stateless --auth nomad, state key and tools from Nomad Variables', () => {
    const j = job('nomad-mcp.nomad.hcl');
    expect(j.ID).toBe('nomad-mcp');
    const [group] = j.TaskGroups;
    expect(group.Count).toBe(3);
    const [service] = group.Services;
    expect(service).toMatchObject({ Name: 'nomad-mcp', Provider: 'nomad', PortLabel: 'http' });
    expect(service.Checks).toEqual([expect.objectContaining({ Type: 'http', Path: '/healthz' })]);

    const [task] = group.Tasks;
    const args: string[] = task.Config.args;
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(args.slice(0, 6)).toEqual(['--yes', 'nomad-mcp', 'serve', '--http', '--stateless', '--host']);
    expect(flag('--auth')).toBe('nomad');
    expect(flag('--tools-from-nomad')).toBe('nomad-mcp/tools');
    expect(flag('--state-key-file')).toBe('${NOMAD_SECRETS_DIR}/state.key');

    // the key file the flag names is the template's destination, rendered from the variable nomad-mcp/state
    const [tmpl] = task.Templates;
    expect(tmpl.DestPath).toBe('secrets/state.key');
    expect(tmpl.EmbeddedTmpl).toMatch(/\{\{ with nomadVar "nomad-mcp\/state" \}\}\{\{ \.key \}\}\{\{ end \}\}/);
    expect(task.Identity ?? task.Identities?.[0]).toMatchObject({ Env: true });
  });

  it('nomad-mcp-vars.policy.hcl grants the job what it reads', () => {
    const policy = parsePolicy(read('nomad-mcp-vars.policy.hcl'));
    const ns = policy.namespaces.find((n) => n.name === 'default');
    expect(ns?.variables).toEqual([
      { pathSpec: 'nomad-mcp/tools/*', capabilities: ['list', 'read'] },
      // read implies list (acl/policy.go expandVariablesCapabilities)
      { pathSpec: 'nomad-mcp/state', capabilities: ['read', 'list'] },
    ]);
  });

  it('nomad-mcp-lb.nomad.hcl: nginx lists the replicas from nomadService, round robin for /mcp', () => {
    const j = job('nomad-mcp-lb.nomad.hcl');
    const [task] = j.TaskGroups[0].Tasks;
    const conf: string = task.Templates[0].EmbeddedTmpl;
    expect(conf).toContain('{{- range nomadService "nomad-mcp" }}');
    // the /mcp upstream has no affinity directive (ip_hash, hash, sticky): any replica answers
    const mcp = /upstream nomad_mcp \{([\s\S]*?)\n\}/.exec(conf)![1];
    expect(mcp).not.toMatch(/ip_hash|hash |sticky/);
    expect(conf).toMatch(/location \/mcp +\{ proxy_pass http:\/\/nomad_mcp; \}/);
  });
});
