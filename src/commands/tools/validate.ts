import { Args, Command } from '@oclif/core';
import path from 'node:path';
import { sourceFlags, toConfigFlags } from '../../cli/flags.js';

export default class ToolsValidate extends Command {
  static override summary = 'Validate tool descriptor files';
  static override description =
    'Checks YAML syntax, the descriptor schema, plugins, upstreams, duplicate names, template references, and tiers ' +
    '(an entry whose YAML claims less than its plugin declares or its HTTP methods imply). ' +
    'Prints one `file:line:col: message` per problem; exits 1 on any. Without PATH, validates the configured catalog.';
  static override strict = false;
  static override args = { path: Args.string({ description: 'Descriptor files or directories', required: false }) };
  static override examples = ['<%= config.bin %> tools validate', '<%= config.bin %> tools validate ./team-tools'];
  static override flags = { ...sourceFlags };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ToolsValidate);
    const { bootstrap } = await import('../../cli/bootstrap.js');
    const { loadCatalog } = await import('../../host/catalog.js');
    const { loadSources } = await import('../../host/catalog-sources.js');
    const { formatProblem } = await import('../../host/errors.js');
    const { BUILTIN_TOOLS_DIR } = await import('../../host/paths.js');
    const rt = await bootstrap(toConfigFlags(flags), { logLevel: 'warn' });
    // Given paths are checked together with the built-in catalog, so duplicate names show.
    // Without PATH: the configured catalog, Nomad Variables (--tools-from-nomad) included; a bad variable fails here,
    // though a server only logs it and keeps that variable's last good version.
    const opts = { plugins: rt.plugins, upstreams: rt.upstreams.names() };
    const r = argv.length
      ? { ...loadCatalog([...new Set([BUILTIN_TOOLS_DIR, ...(argv as string[]).map((p) => path.resolve(p))])], opts), rejected: [] }
      : loadSources(rt.sources, opts);
    await rt.close();
    r.problems.push(...r.rejected.flatMap((d) => d.problems));
    for (const p of r.problems) this.log(formatProblem(p));
    // an entry claiming a weaker tier than its plugin or requests: serve enforces the stricter one and warns,
    // but the catalog is wrong (clients read the claim), so validation fails
    for (const m of r.mismatches) this.log(formatProblem(m));
    const n = r.problems.length + r.mismatches.length;
    if (n) {
      this.logToStderr(`${n} problem(s) in ${r.files.length} file(s)${r.mismatches.length ? ` (${r.mismatches.length} tier mismatch(es): served at the stricter tier)` : ''}.`);
      this.exit(1);
    }
    this.log(`${r.tools.length} tools, ${r.resources.length} resource templates and ${r.prompts.length} prompts in ${r.files.length} files: valid.`);
  }
}
