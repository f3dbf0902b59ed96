import { describe, expect, it } from 'vitest';
import { globMatches } from '../../src/plugins/explain-placement.js';
import { hasNonBlank, trimLineEnds } from '../../src/plugins/lib/log-tail.js';

/** Every string of length 0..n over an alphabet (small, exhaustive). */
function* strings(alphabet: string[], n: number): Generator<string> {
  yield '';
  let level = [''];
  for (let i = 0; i < n; i++) {
    const next: string[] = [];
    for (const s of level) for (const c of alphabet) next.push(s + c);
    yield* next;
    level = next;
  }
}

// Each helper replaces a regular expression that backtracks on caller or workload text; they must
// answer as the expression did, and stay linear (the old expressions take minutes on 1 MiB).
describe('text helpers that replaced backtracking expressions', () => {
  it('trimLineEnds drops what /[ \\t\\r]+(?=\\n|$)/g dropped', () => {
    for (const s of strings([' ', '\t', '\r', '\n', 'x'], 6)) expect(trimLineEnds(s)).toBe(s.replace(/[ \t\r]+(?=\n|$)/g, ''));
    for (const s of strings([' ', '\r', '\n', 'x'], 5)) expect(hasNonBlank(s)).toBe(s.replace(/[ \t\r]+$/, '') !== '');
  });

  // (hclDeclaresNamespace is gone: whether a jobspec names its namespace is read from Nomad's own
  // parse without Canonicalize, never from the text; see lib/jobspec.ts)

  it('globMatches follows go-glob', () => {
    const cases: [string, string, boolean][] = [
      ['', '', true], ['', 'a', false], ['*', 'anything', true], ['dc1', 'dc1', true], ['dc1', 'dc2', false],
      ['dc*', 'dc1', true], ['dc*', 'xdc1', false], ['*1', 'dc1', true], ['*1', 'dc2', false], ['d*1', 'dc1', true],
      ['a*a', 'a', false], ['a*a', 'aa', true], ['*c*', 'dc1', true], ['us-*-1', 'us-east-1', true], ['us-*-1', 'us-east-2', false],
      ['a.b', 'axb', false], ['(x)*', '(x)y', true], ['*\n*', 'a\nb', true],
    ];
    for (const [p, s, want] of cases) expect([p, s, globMatches(p, s)]).toEqual([p, s, want]);
  });

  it('stays linear on 1 MiB of adversarial text', { timeout: 20_000 }, () => {
    const MiB = 1024 * 1024;
    expect(trimLineEnds(`${' '.repeat(MiB)}x`)).toBe(`${' '.repeat(MiB)}x`);
    expect(trimLineEnds(`x${' '.repeat(MiB)}\ny `)).toBe('x\ny');
    expect(hasNonBlank(' '.repeat(MiB))).toBe(false);
    expect(globMatches(`${'a*'.repeat(5000)}b`, 'a'.repeat(MiB))).toBe(false);
  });
});
