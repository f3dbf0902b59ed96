import { Args, Command } from '@oclif/core';
import path from 'node:path';
import { catalogFlags, toConfigFlags } from '../../cli/flags.js';

export default class ToolsValidate extends Command {
  static override summary = 'Validate tool descriptor files';
  static override description =
    'Checks YAML syntax, the descriptor schema, plugins, upstreams, duplicate names and template references. ' +
    'Prints one `file:line:col: message` per problem; exits 1 on any. Without PATH, validates the configured catalog.';
  static override strict = false;
  static override args = { path: Args.string({ description: 'Descriptor files or directories', required: false }) };
  static override examples = ['<%= config.bin %> tools validate', '<%= config.bin %> tools validate ./team-tools'];
  static override flags = { ...catalogFlags };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ToolsValidate);
    const { bootstrap } = await import('../../cli/bootstrap.js');
    const { loadCatalog } = await import('../../host/catalog.js');
    const { formatProblem } = await import('../../host/errors.js');
    const { BUILTIN_TOOLS_DIR } = await import('../../host/paths.js');
    const rt = await bootstrap(toConfigFlags(flags), { logLevel: 'warn' });
    // Given paths are checked together with the built-in catalog, so duplicate names show.
    const targets = argv.length
      ? [...new Set([BUILTIN_TOOLS_DIR, ...(argv as string[]).map((p) => path.resolve(p))])]
      : rt.toolTargets;
    const r = loadCatalog(targets, { plugins: [...rt.plugins.keys()], upstreams: rt.upstreams.names() });
    await rt.close();
    for (const p of r.problems) this.log(formatProblem(p));
    if (r.problems.length) {
      this.logToStderr(`${r.problems.length} problem(s) in ${r.files.length} file(s).`);
      this.exit(1);
    }
    this.log(`${r.tools.length} tools, ${r.resources.length} resource templates and ${r.prompts.length} prompts in ${r.files.length} files: valid.`);
  }
}
