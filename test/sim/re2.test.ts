import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { glob } from '../../src/sim/glob.js';
import { call, simpleJob, start } from './helpers.js';

// Nomad compiles constraint `regexp` operands and HCL's regex/regex_replace with Go's regexp (RE2): a job that
// carries a catastrophic pattern costs linear time there, and must here too (the simulator serves every test).
let sim: Simulator;
beforeAll(async () => {
  sim = await start({ seed: 'demo' });
});
afterAll(() => sim?.close());

const EVIL = '^(a|aa)*$';
const LONG = `${'a'.repeat(5000)}!`;

describe('simulator: job-spec patterns run on RE2', () => {
  it('a regexp constraint with a backtracking pattern is evaluated against every node and answers', async () => {
    const job = simpleJob('evil', { Constraints: [{ LTarget: LONG, RTarget: EVIL, Operand: 'regexp' }] });
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: job });
    expect(reg.status).toBe(200);
    const plan = await call(sim, 'PUT', '/v1/job/evil/plan', { Job: job, Diff: true });
    expect(plan.status).toBe(200);
  });

  it('a pattern Go would refuse (a backreference) is a validation error, as in Nomad', async () => {
    const job = simpleJob('backref', { Constraints: [{ LTarget: '${node.unique.name}', RTarget: '(a)\\1', Operand: 'regexp' }] });
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: job });
    expect(reg.status).toBe(500);
    expect(reg.text).toContain('Regular expression failed to compile');
  });

  it("HCL's regex_replace runs on RE2 and expands $1 as Go does", async () => {
    const hcl = [
      'job "r" {',
      '  meta {',
      `    a = regex_replace("${LONG}", "${EVIL}", "x")`,
      '    b = regex_replace("k=v", "(\\\\w)=(\\\\w)", "$2=$1")',
      '  }',
      '  group "g" {',
      '    task "t" {',
      '      driver = "docker"',
      '      config {',
      '        image = "x"',
      '      }',
      '    }',
      '  }',
      '}',
    ].join('\n');
    const r = await call(sim, 'POST', '/v1/jobs/parse', { JobHCL: hcl });
    expect(r.status, r.text).toBe(200);
    expect(r.json.Meta).toEqual({ a: LONG, b: 'v=k' });
  });
});

describe('simulator: datacenter globs as go-glob', () => {
  it.each([
    ['dc1', 'dc1', true],
    ['dc*', 'dc1', true],
    ['*', 'anything', true],
    ['d*1', 'dc1', true],
    ['d*1', 'dc2', false],
    ['*a*a*a*b', 'a'.repeat(20000), false],
    ['a*a', 'a', false],
    ['us-*-1*', 'us-east-1b', true],
  ])('%s vs %#', (pattern, dc, want) => {
    expect(glob(pattern, dc)).toBe(want);
  });
});
