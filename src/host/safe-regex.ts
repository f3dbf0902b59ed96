/**
 * Regular expressions that come from outside the server (a caller's search pattern, the JSON Schema
 * `pattern` of a descriptor applied to a caller's arguments) run on RE2 through re2js, a pure-JS
 * port with no native build: matching is linear in the input whatever the pattern, so no pattern can
 * stall the event loop. RE2 has no backreferences or lookaround; a pattern that uses one is refused
 * with a message naming the construct. Patterns are written in JavaScript syntax and translated.
 */
import { createRequire } from 'node:module';
import type { RE2JS as Re2Pattern } from 're2js';

type Re2Module = typeof import('re2js');
// re2js takes tens of milliseconds to load: load it when a pattern is first compiled, not at start-up.
const requireLazy = createRequire(import.meta.url);
let re2: Re2Module | undefined;
const engine = (): Re2Module => (re2 ??= requireLazy('re2js') as Re2Module);

/** A pattern that cannot be compiled; the message says why, for the caller. */
export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

/** A compiled pattern: `test` runs in time linear in the text. */
export interface SafePattern {
  test(text: string): boolean;
  toString(): string;
}

const LINEAR = 'patterns run on a linear-time engine (RE2 syntax)';

/** What `(?` followed by these characters opens, when RE2 cannot run it. */
const GROUP_CONSTRUCTS: [string, string][] = [
  ['=', 'a lookahead ((?=…))'],
  ['!', 'a negative lookahead ((?!…))'],
  ['<=', 'a lookbehind ((?<=…))'],
  ['<!', 'a negative lookbehind ((?<!…))'],
  ['>', 'an atomic group ((?>…))'],
  ['(', 'a conditional ((?(…))'],
];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Whether the `}` at `i` closes a `{n}` / `{n,}` / `{n,m}` quantifier. */
function closesCount(p: string, i: number): boolean {
  let j = i - 1;
  while (isDigit(p[j]) || p[j] === ',') j--;
  return p[j] === '{' && isDigit(p[j + 1]);
}

/**
 * The first construct of a JavaScript-syntax pattern that a linear-time engine cannot run, named
 * for the caller (`a backreference (\1)`), or undefined. One pass over the pattern.
 */
export function unsupportedConstruct(p: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (!inClass && n !== undefined && n >= '1' && n <= '9') {
        let j = i + 2;
        while (isDigit(p[j])) j++;
        return `a backreference (${p.slice(i, j)})`;
      }
      if (!inClass && n === 'k' && p[i + 2] === '<') return 'a named backreference (\\k<…>)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const found = GROUP_CONSTRUCTS.find(([open]) => p.startsWith(open, i + 2));
      if (found) return found[1];
      i++; // the ? of a group opener is not a quantifier
      continue;
    }
    if (p[i + 1] === '+' && (c === '*' || c === '+' || c === '?' || (c === '}' && closesCount(p, i)))) {
      return `a possessive quantifier (${c}+)`;
    }
  }
  return undefined;
}

/**
 * Compiles a JavaScript-syntax regular expression for RE2, or throws a PatternError that names what
 * is wrong: a construct RE2 cannot run, or a syntax error.
 */
export function compileSafePattern(pattern: string, opts: { ignoreCase?: boolean } = {}): SafePattern {
  const construct = unsupportedConstruct(pattern);
  if (construct) throw new PatternError(`The pattern uses ${construct}, which this server does not support: ${LINEAR}.`);
  const { RE2JS } = engine();
  let re: Re2Pattern;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(pattern), opts.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    const why = (err as Error).message.replace(/^error parsing regexp: /, '').replace('`(?i)', '`');
    throw new PatternError(`The pattern is not a valid regular expression (RE2 syntax): ${why}.`);
  }
  const text = `/${pattern}/${opts.ignoreCase ? 'i' : ''}`;
  return { test: (s: string) => re.test(s), toString: () => text };
}

/**
 * The same engine as ajv's `code.regExp` option, so a JSON Schema `pattern` never runs on a
 * backtracking engine. `code` is what a standalone (build-time generated, CommonJS) validator
 * evaluates instead: RE2 through re2js's CommonJS build, the same translation without the
 * construct names (the generated validator only carries the project's own schema patterns).
 */
export const ajvRegExp = Object.assign(
  (pattern: string, flags: string): SafePattern => {
    const p = compileSafePattern(pattern);
    return { test: p.test, toString: () => `/${pattern}/${flags}` };
  },
  {
    code:
      '((p, u) => { const { RE2JS } = require("re2js"); const re = RE2JS.compile(RE2JS.translateRegExp(p)); ' +
      'return { test: (s) => re.test(s), toString: () => "/" + p + "/" + u }; })',
  },
);

/** Every `pattern` and `patternProperties` key of a JSON Schema that RE2 cannot compile, with why. */
export function schemaPatternProblems(schema: unknown): string[] {
  const out: string[] = [];
  const check = (p: string) => {
    try {
      compileSafePattern(p);
    } catch (err) {
      out.push(`pattern "${p}": ${(err as Error).message}`);
    }
  };
  const walk = (node: unknown, depth: number): void => {
    if (depth > 64 || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const x of node) walk(x, depth + 1);
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'pattern' && typeof v === 'string') check(v);
      else if (k === 'patternProperties' && v && typeof v === 'object') Object.keys(v).forEach(check);
      walk(v, depth + 1);
    }
  };
  walk(schema, 0);
  return out;
}
