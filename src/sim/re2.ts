/**
 * Nomad compiles job-spec and filter patterns with Go's regexp, which is RE2: linear time, no backreferences or
 * lookaround. The simulator does the same (re2js), so a submitted job can neither hang the test server nor pass
 * a pattern real Nomad would refuse. re2js loads on first use (it takes tens of milliseconds to load).
 */
import { createRequire } from 'node:module';

const requireLazy = createRequire(import.meta.url);
let mod: typeof import('re2js') | undefined;
const re2 = (): typeof import('re2js') => (mod ??= requireLazy('re2js') as typeof import('re2js'));

/** Compiles a Go regexp; throws with RE2's message when Go would refuse it. */
export function compileGo(pattern: string): { test(s: string): boolean; replaceAll(s: string, replacement: string): string } {
  const p = re2().RE2JS.compile(pattern);
  return {
    test: (s) => p.matcher(s).find(),
    // Go's ReplaceAllString expands $1 / ${1}; re2js's non-Java mode does the same
    replaceAll: (s, replacement) => p.matcher(s).replaceAll(replacement),
  };
}
