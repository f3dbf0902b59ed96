import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { formatProblem } from '../../src/host/errors.js';
import { DESCRIPTOR_VALIDATOR_FILE } from '../../src/host/paths.js';
import { compileSafePattern, unsupportedConstruct } from '../../src/host/safe-regex.js';

const opts = { plugins: [], upstreams: ['nomad'] };

function teamTool(pattern: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-re-'));
  writeFileSync(
    path.join(dir, 'team.yaml'),
    `tools:
  - name: find_thing
    description: Find a thing by name.
    annotations: { readOnlyHint: true }
    input: { type: object, properties: { name: { type: string, pattern: '${pattern}' } } }
    request: { method: GET, path: /v1/things, query: { prefix: "{{name}}" } }
`,
  );
  return dir;
}

describe('the linear-time pattern engine', () => {
  it('names what it cannot run, and nothing else', () => {
    expect(unsupportedConstruct('(a)\\12')).toBe('a backreference (\\12)');
    expect(unsupportedConstruct('x(?<!y)')).toBe('a negative lookbehind ((?<!…))');
    expect(unsupportedConstruct('a*+')).toBe('a possessive quantifier (*+)');
    for (const fine of ['[\\1(?=]', 'a}+', '(?:a)+', '(?<name>a)+', 'a+?', '\\(?=', 'x{2,3}?']) expect([fine, unsupportedConstruct(fine)]).toEqual([fine, undefined]);
    expect(compileSafePattern('ERROR', { ignoreCase: true }).test('an error here')).toBe(true);
    expect(() => compileSafePattern('(x')).toThrow('The pattern is not a valid regular expression (RE2 syntax): missing closing ): `(x`.');
  });

  // ajv applies a descriptor's `pattern` to caller arguments: `^(a+)+$` on 40 a's and a "!" takes
  // 2^40 steps on a backtracking engine.
  it('runs JSON Schema patterns of input schemas on RE2', { timeout: 10_000 }, () => {
    for (const lazyValidators of [false, true]) {
      const dir = teamTool('^(a+)+$');
      const r = loadCatalog([dir], { ...opts, lazyValidators }, dir);
      expect(r.problems).toEqual([]);
      const validate = r.tools[0].validate;
      expect(validate({ name: `${'a'.repeat(40)}!` })).toBe(false);
      expect(validate.errors?.[0].message).toBe('must match pattern "^(a+)+$"');
      expect(validate({ name: 'aaa' })).toBe(true);
    }
  });

  it('reports a schema pattern RE2 cannot run at load, at its line, also when validators compile lazily', () => {
    for (const lazyValidators of [false, true]) {
      const dir = teamTool('^(?!admin)');
      const p = loadCatalog([dir], { ...opts, lazyValidators }, dir).problems.map(formatProblem);
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/^team\.yaml:\d+:\d+: .*invalid input schema: .*uses a negative lookahead \(\(\?!…\)\), which this server does not support/);
    }
  });

  it('the descriptor validator generated at build runs its patterns on RE2 too', () => {
    const code = readFileSync(DESCRIPTOR_VALIDATOR_FILE, 'utf8');
    expect(code).toContain('require("re2js")');
    expect(code).not.toContain('new RegExp(');
    const mod = createRequire(import.meta.url)(DESCRIPTOR_VALIDATOR_FILE) as (d: unknown) => boolean;
    const validate = typeof mod === 'function' ? mod : (mod as { default: (d: unknown) => boolean }).default;
    const tool = { name: 'ok_name', description: 'A tool with a name.', request: { method: 'GET', path: '/v1/x' } };
    expect(validate({ tools: [tool] })).toBe(true);
    expect(validate({ tools: [{ ...tool, name: 'Bad-Name' }] })).toBe(false);
  });
});
