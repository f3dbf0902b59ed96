import { describe, expect, it } from 'vitest';
import type { CatalogDocument } from '../../src/host/catalog.js';
import { type CatalogSource, FixedSource, loadSources } from '../../src/host/catalog-sources.js';

const tool = (name: string) => `tools:
  - name: ${name}
    description: A tool from a catalog source.
    annotations: { readOnlyHint: true }
    request: { method: GET, path: /v1/jobs }
`;
const OPTS = { plugins: [], upstreams: ['nomad'] };

/** A source that keeps last good versions, its documents set by the test (as Nomad Variables would be). */
class TeamSource implements CatalogSource {
  readonly label = 'team';
  readonly keepsLastGood = true;
  docs: CatalogDocument[] = [];
  good = new Map<string, string>();
  documents() {
    return { docs: this.docs, problems: [] };
  }
  lastGood(display: string) {
    const text = this.good.get(display);
    return text === undefined ? undefined : { display, text };
  }
  served(docs: CatalogDocument[]) {
    this.good = new Map(docs.map((d) => [d.display, d.text!]));
  }
}

const names = (r: { tools: { name: string }[] }) => r.tools.map((t) => t.name);

describe('catalog sources', () => {
  it('a bad document of a keepsLastGood source serves its last good version; the others load; nothing stops', () => {
    const team = new TeamSource();
    team.docs = [{ display: 'vars/a', text: tool('team_a') }];
    expect(names(loadSources([team], OPTS))).toEqual(['team_a']);

    team.docs = [{ display: 'vars/a', text: 'tools: [' }, { display: 'vars/b', text: tool('team_b') }];
    const r = loadSources([team], OPTS);
    expect(r.problems).toEqual([]);
    expect(names(r)).toEqual(['team_a', 'team_b']);
    expect(r.rejected).toEqual([{ display: 'vars/a', serving: 'last-good', problems: [expect.objectContaining({ file: 'vars/a', line: 1 })] }]);

    // a document that never loaded contributes nothing
    team.docs = [{ display: 'vars/c', error: 'no yaml item' }, ...team.docs];
    const r2 = loadSources([team], OPTS);
    expect(r2.rejected.map((x) => [x.display, x.serving])).toEqual([
      ['vars/c', 'nothing'],
      ['vars/a', 'last-good'],
    ]);
    expect(names(r2)).toEqual(['team_a', 'team_b']);
  });

  it('a name that clashes with a file is the team document\'s problem; a bad file fails the load', () => {
    const files = new FixedSource('tools.d', [{ display: 'tools.d/jobs.yaml', text: tool('list_jobs') }]);
    const team = new TeamSource();
    team.docs = [{ display: 'vars/x', text: tool('list_jobs') }];
    const r = loadSources([files, team], OPTS);
    expect(r.problems).toEqual([]);
    expect(names(r)).toEqual(['list_jobs']);
    expect(r.rejected[0].problems[0].message).toMatch(/^duplicate tool name "list_jobs" \(first defined at tools\.d\/jobs\.yaml:2:11\)/);

    const broken = new FixedSource('dir', [{ display: 'dir/bad.yaml', text: 'tools: [' }]);
    const failed = loadSources([broken, team], OPTS);
    expect(failed.problems.map((p) => p.file)).toEqual(['dir/bad.yaml']);
  });

  it('a last good version that clashes with a newer document is left out too', () => {
    const team = new TeamSource();
    team.docs = [{ display: 'vars/a', text: tool('shared') }];
    loadSources([team], OPTS);
    // a renames its tool badly while b takes the old name first (b sorts before a here)
    team.docs = [{ display: 'vars/0b', text: tool('shared') }, { display: 'vars/a', text: 'tools: [' }];
    const r = loadSources([team], OPTS);
    expect(names(r)).toEqual(['shared']);
    expect(r.rejected.map((x) => [x.display, x.serving])).toEqual([['vars/a', 'nothing']]);
    expect(r.rejected[0].problems.map((p) => p.message).join('\n')).toMatch(/duplicate tool name "shared"/);
  });
});
