import { Command, Flags } from '@oclif/core';
import { catalogFlags, nomadFlags, toConfigFlags } from '../cli/flags.js';

export default class Serve extends Command {
  static override summary = 'Serve the Nomad tool catalog to MCP clients';
  static override description =
    'Reads the YAML tool catalog (built-in tools.d/ plus --tools-dir) and serves it over stdio. ' +
    'Nomad is reached at NOMAD_ADDR with NOMAD_TOKEN; --demo starts an in-process Nomad simulator with sample jobs.';
  static override examples = [
    '<%= config.bin %> serve --stdio',
    '<%= config.bin %> serve --stdio --demo',
    'NOMAD_ADDR=https://nomad.example:4646 NOMAD_TOKEN=… <%= config.bin %> serve --stdio --read-only',
  ];
  static override flags = {
    stdio: Flags.boolean({ description: 'Serve over stdin/stdout (the default)', default: false }),
    demo: Flags.boolean({ description: 'Run against an in-process Nomad simulator with sample jobs' }),
    ...nomadFlags,
    ...catalogFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const { bootstrap } = await import('../cli/bootstrap.js');
    const { formatProblem } = await import('../host/errors.js');
    let runtime;
    try {
      runtime = await bootstrap(toConfigFlags(flags), { demo: flags.demo });
    } catch (err) {
      this.logToStderr(`nomad-mcp: ${(err as Error).message}`);
      this.exit(2);
    }
    const loaded = runtime.load();
    if (loaded.problems.length) {
      for (const p of loaded.problems) this.logToStderr(formatProblem(p));
      this.logToStderr(`nomad-mcp: the tool catalog is invalid (${loaded.problems.length} problem(s)); not starting.`);
      await runtime.close();
      this.exit(2);
    }
    const { ToolHost } = await import('../host/server.js');
    const host = new ToolHost({
      config: runtime.config,
      upstreams: runtime.upstreams,
      plugins: runtime.plugins,
      log: runtime.log,
      tools: loaded.tools,
      version: this.config.version,
    });
    const { serveStdio } = await import('../host/transports/stdio.js');
    await serveStdio(host, async () => {
      await runtime.close();
    });
  }
}
