import { Args, Command, Flags } from '@oclif/core';
import { boolFlag, catalogFlags, demoFlags, demoOptions, nomadFlags, toConfigFlags } from '../../cli/flags.js';

/** `key=value`: the value is JSON when it parses (numbers, booleans, objects), else a string. */
function parseArg(kv: string): [string, unknown] {
  const i = kv.indexOf('=');
  if (i <= 0) throw new Error(`--arg needs key=value, got "${kv}"`);
  const raw = kv.slice(i + 1);
  try {
    return [kv.slice(0, i), JSON.parse(raw)];
  } catch {
    return [kv.slice(0, i), raw];
  }
}

export default class ToolsCall extends Command {
  static override summary = 'Call one tool against the configured Nomad and print what a client would see';
  static override examples = [
    '<%= config.bin %> tools call list_jobs',
    '<%= config.bin %> tools call get_job_logs --arg job_id=web --arg lines=20',
    `<%= config.bin %> tools call create_job --args '{"job":{"ID":"x"}}'`,
    '<%= config.bin %> tools call list_jobs --demo --json',
  ];
  static override args = { name: Args.string({ description: 'Tool name', required: true }) };
  static override flags = {
    ...nomadFlags,
    ...catalogFlags,
    args: Flags.string({ description: 'Arguments as a JSON object' }),
    arg: Flags.string({ description: 'One argument as key=value (repeatable)', multiple: true }),
    json: boolFlag({ description: 'Print the whole result as JSON (text, isError, structured)', default: false }),
    ...demoFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ToolsCall);
    let toolArgs: Record<string, unknown> = {};
    try {
      if (flags.args) toolArgs = JSON.parse(flags.args) as Record<string, unknown>;
      for (const kv of flags.arg ?? []) {
        const [k, v] = parseArg(kv);
        toolArgs[k] = v;
      }
    } catch (err) {
      this.error(`invalid arguments: ${(err as Error).message}`, { exit: 2 });
    }
    const { loadForCommand } = await import('../../cli/load.js');
    const { ToolHost } = await import('../../host/server.js');
    const { rt, loaded } = await loadForCommand(this, toConfigFlags(flags), { ...demoOptions(flags), logLevel: 'warn', exitCode: 2 });
    const host = new ToolHost({ config: rt.config, upstreams: rt.upstreams, plugins: rt.plugins, log: rt.log, tools: loaded.tools });
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    const { progressPrinter } = await import('../../cli/progress.js');
    const progress = progressPrinter(process.stderr);
    const r = await host
      .call(args.name, toolArgs, {
        signal: ac.signal,
        progress: async (p, total, message) => progress.update(p, total, message),
      })
      .finally(() => progress.done());
    await rt.close();
    if (flags.json) this.log(JSON.stringify({ isError: r.isError, text: r.text, structured: r.structured }, null, 2));
    else this.log(r.text);
    if (r.isError) this.exit(1);
  }
}
