// The fast descriptor reader (src/host/yaml-fast.ts) against `yaml` itself: whenever it answers, the data and the
// name positions are exactly what parseDocument gives (and yaml finds no error); otherwise it steps aside.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fastYaml } from '../../src/host/yaml-fast.js';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';

type Sections = Record<string, unknown[] | undefined>;

/** undefined when the fast reader agrees with yaml (or stepped aside), else what differs. */
function disagreement(text: string): string | undefined {
  const fast = fastYaml(text);
  if (!fast) return undefined;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return `yaml refuses it (${doc.errors[0]!.message}) but the fast reader answered`;
  const want = doc.toJS() as unknown;
  if (!isDeepStrictEqual(fast.data, want)) return `data differs: ${JSON.stringify(fast.data)} vs ${JSON.stringify(want)}`;
  for (const section of ['tools', 'resources', 'prompts']) {
    const key = section === 'resources' ? 'uriTemplate' : 'name';
    const entries = (fast.data as Sections)[section];
    if (!Array.isArray(entries)) continue;
    for (let i = 0; i < entries.length; i++) {
      const node = doc.getIn([section, i, key], true) as { range?: number[] } | undefined;
      const entry = entries[i];
      if (!node?.range || typeof entry !== 'object' || entry === null) continue;
      const at = lines.linePos(node.range[0]!);
      const got = fast.namePos.get(entry)?.[key];
      if (got?.line !== at.line || got?.col !== at.col) return `${section}[${i}].${key} at ${JSON.stringify(got)}, yaml says ${JSON.stringify(at)}`;
    }
  }
  return undefined;
}

const builtin = readdirSync(BUILTIN_TOOLS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ f, text: readFileSync(path.join(BUILTIN_TOOLS_DIR, f), 'utf8') }));

/** Texts the fast reader must read (each feature it claims), with what yaml reads. */
const SUPPORTED = [
  'a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 1.5e3\nf: .5\ng: .inf\nh: -.Inf\ni: ~\nj: null\nk:\nl: true\nm: False\nn: yes\no: 1.2.3\np: 12abc\n',
  'tools:\n- name: a\n  description: x\n- name: "b"\n  description: \'it\'\'s\'\n',
  'tools:\n  - name: a # comment\n    tags: [x, "y", 3, true]\n    q: { a: 1, "b": two words, c: , d: [1, [2]], e: {} }\n    r: []\n',
  'a: |\n  line 1\n\n  line 3\n    indented\n\nb: |-\n  no newline\nc: |+\n  kept\n\n\nd: end\n',
  'a: >\n  folded\n  text\n\n  para\n\n\n  two\nb: >-\n  x\n  y\nc: >+\n  k\n\nd: 1\n',
  'a: "esc \\" \\\\ \\n \\t \\u00e9 \\x41 \\/ \\N \\_"\nb: \'single # not a comment\'\nc: plain # a comment\nd: C# is a word\n',
  'url: http://x:4646/v1\npath: /v1/job/{{job_id}}\nsort: -CreateIndex\nq: ?x\nk: :y\n',
  'a:\n  b:\n    c: 1\n  d:\n  - 1\n  -\n    - 2\n',
  '# head\n\nresources:\n  - uriTemplate: nomad://job/{id}\n    name: job\nprompts:\n  - name:   spaced\n    template: |\n      # not a comment\n      {{x}}\n',
  'a: [a, b,]\nb: { x: 1, }\nkey with spaces: v\n"quoted key": v\n',
  'a: |\n  x\n# a comment ends it\nb: 2\n',
  'seq:\n-\n  a: 1\n- \n- x\n',
];

/** Texts yaml refuses or reads in ways the fast reader leaves to it. */
const REFUSED = [
  'a: 1\na: 2\n',
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a: b: c\n',
  'a: multi\n  line plain\n',
  'a: "multi\n  line"\n',
  '---\na: 1\n',
  'a: 1\n---\nb: 2\n',
  'a:\n\tb: 1\n',
  'a: 1\r\n',
  'a: [1,\n  2]\n',
  '? complex\n: key\n',
  '1: number key\n',
  'a: |2\n   x\n',
  '- root is a sequence\n',
  'a: 1',
  'a: 1\n b: 2\n',
  'a:\n  - x\n  y: 1\n',
  'a: { b }\n',
  'a: [ , b]\n',
  'a: [a: b]\n',
  'a: "\\q"\n',
  '<<: { a: 1 }\n',
  '__proto__: x\n',
  'a: >\n  x\n    more indented\n',
  'a: |\n    \n  x\n',
  '%YAML 1.2\n---\na: 1\n',
  'a: @x\n',
  'a:b\n',
  'a:\n- - nested sequence on one line\n',
];

describe('fast descriptor reader', () => {
  it('reads every built-in descriptor file exactly as yaml does, with the name positions', () => {
    for (const { f, text } of builtin) {
      expect(fastYaml(text), f).toBeDefined();
      expect(disagreement(text), f).toBeUndefined();
    }
  });

  it('reads each supported form exactly as yaml does', () => {
    for (const text of SUPPORTED) {
      expect(fastYaml(text), text).toBeDefined();
      expect(disagreement(text), text).toBeUndefined();
    }
  });

  it('steps aside for what it does not read (yaml then reports errors with their positions)', () => {
    for (const text of REFUSED) expect(fastYaml(text), JSON.stringify(text)).toBeUndefined();
  });

  it('never disagrees with yaml on 2,000 mutated descriptor files', () => {
    // a fixed-seed generator: the same cases on every run
    let seed = 15;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = [' ', '  ', '\n', '- ', ': ', ':', '#', ' #', '"', "'", '\\', '|', '>', '|-', '>+', '[', ']', '{', '}', ',', '&a ', '*a', '!', '?', '-', '1', '0x', '.5', 'true', '~', 'é', '\n  ', '\n- ', 'name: x\n'];
    let answered = 0;
    for (let n = 0; n < 2000; n++) {
      let text = builtin[rand(builtin.length)]!.text;
      for (let m = 1 + rand(3); m > 0; m--) {
        const at = rand(text.length);
        const op = rand(3);
        if (op === 0) text = text.slice(0, at) + pieces[rand(pieces.length)] + text.slice(at);
        else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(3));
        else {
          // duplicate or re-indent a line
          const lines = text.split('\n');
          const k = rand(lines.length);
          if (rand(2)) lines.splice(k, 0, lines[k]!);
          else lines[k] = ' '.repeat(rand(5)) + lines[k]!.trimStart();
          text = lines.join('\n');
        }
      }
      const d = disagreement(text);
      if (d) expect.fail(`${d}\n--- text ---\n${text}`);
      if (fastYaml(text)) answered++;
    }
    expect(answered).toBeGreaterThan(300); // it still reads most of what stays plain
  });
});
