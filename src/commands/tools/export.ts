import { Command, Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import { selectionFlags, toConfigFlags } from '../../cli/flags.js';

export default class ToolsExport extends Command {
  static override summary = 'Export tool definitions for the Claude API, OpenAI function calling, or as MCP tools/list JSON';
  static override examples = [
    '<%= config.bin %> tools export --format anthropic --out claude_nomad_tool.json',
    '<%= config.bin %> tools export --format openai --read-only',
  ];
  static override flags = {
    ...selectionFlags,
    format: Flags.string({ options: ['anthropic', 'openai', 'mcp', 'markdown'], default: 'anthropic', description: 'Output format (markdown: a table per toolset, for docs)' }),
    out: Flags.string({ description: 'Write to this file instead of stdout' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ToolsExport);
    const { loadForCommand } = await import('../../cli/load.js');
    const { buildInventory } = await import('../../host/inventory.js');
    const { compactSchema, toMcpTool } = await import('../../host/listing.js');
    const { rt, loaded } = await loadForCommand(this, toConfigFlags(flags), { logLevel: 'warn' });
    await rt.close();
    const tools = buildInventory(loaded.tools, rt.config).visible;
    let out: unknown;
    if (flags.format === 'markdown') {
      const { catalogMarkdown } = await import('../../cli/markdown.js');
      const md = catalogMarkdown(tools);
      if (flags.out) {
        writeFileSync(flags.out, md);
        this.logToStderr(`wrote ${tools.length} tools to ${flags.out}`);
      } else process.stdout.write(md);
      return;
    }
    if (flags.format === 'anthropic') out = tools.map((t) => ({ name: t.name, description: t.description, input_schema: compactSchema(t.inputSchema) }));
    else if (flags.format === 'openai') out = tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: compactSchema(t.inputSchema) } }));
    else out = { tools: tools.map((t) => toMcpTool(t)) };
    const text = `${JSON.stringify(out, null, 2)}\n`;
    if (flags.out) {
      writeFileSync(flags.out, text);
      this.logToStderr(`wrote ${tools.length} tools to ${flags.out}`);
    } else process.stdout.write(text);
  }
}
