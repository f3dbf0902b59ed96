import { Command, Flags } from '@oclif/core';
import { boolFlag, selectionFlags, toConfigFlags } from '../../cli/flags.js';

export default class ToolsList extends Command {
  static override summary = 'List the tool catalog as the server would serve it';
  static override examples = ['<%= config.bin %> tools list', '<%= config.bin %> tools list --toolsets jobs,logs --json', '<%= config.bin %> tools list --all'];
  static override flags = {
    ...selectionFlags,
    json: boolFlag({ description: 'Print JSON', default: false }),
    all: boolFlag({ description: 'Include tools hidden by the switches, with the reason', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ToolsList);
    const { loadForCommand } = await import('../../cli/load.js');
    const { buildInventory } = await import('../../host/inventory.js');
    const { rt, loaded } = await loadForCommand(this, toConfigFlags(flags), { logLevel: 'warn' });
    await rt.close();
    const inv = buildInventory(loaded.tools, rt.config);
    const tools = flags.all ? inv.all : inv.visible;
    const rows = tools.map((t) => ({
      name: t.name,
      tags: t.tags,
      tier: t.tier,
      kind: t.plugin ? `plugin:${t.plugin}` : 'request',
      source: `${t.source.file}:${t.source.line}`,
      ...(inv.hidden.has(t.name) ? { hidden: inv.hidden.get(t.name) } : {}),
    }));
    if (flags.json) {
      this.log(JSON.stringify(rows, null, 2));
      return;
    }
    const w = (k: 'name' | 'tier' | 'kind', min: number) => Math.max(min, ...rows.map((r) => r[k].length));
    const [wn, wt, wk] = [w('name', 4), w('tier', 4), w('kind', 4)];
    const wg = Math.max(4, ...rows.map((r) => r.tags.join(',').length));
    this.log(`${'NAME'.padEnd(wn)}  ${'TAGS'.padEnd(wg)}  ${'TIER'.padEnd(wt)}  ${'KIND'.padEnd(wk)}  SOURCE`);
    for (const r of rows) {
      const hidden = 'hidden' in r ? '  (hidden)' : '';
      this.log(`${r.name.padEnd(wn)}  ${r.tags.join(',').padEnd(wg)}  ${r.tier.padEnd(wt)}  ${r.kind.padEnd(wk)}  ${r.source}${hidden}`);
      // The reason a switch hides the tool, on its own indented line (the JSON form has it as `hidden`).
      if ('hidden' in r && r.hidden) this.log(`    hidden: ${r.hidden}`);
    }
    const note = !inv.hidden.size ? '' : flags.all ? ` (${inv.hidden.size} hidden by switches)` : ` (${inv.hidden.size} hidden by switches; --all shows them and why)`;
    this.log(`${rows.length} tools${note}`);
  }
}
