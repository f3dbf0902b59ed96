import { Args, Command, Flags } from '@oclif/core';
import { catalogFlags, nomadFlags, toConfigFlags } from '../../cli/flags.js';

export default class ToolsPush extends Command {
  static override summary = 'Validate a descriptor file and store it as a Nomad Variable, for servers running --tools-from-nomad';
  static override description =
    'Checks FILE as `tools validate` does, together with the built-in catalog, the tools directories and the other descriptors ' +
    'under PATH (so a duplicate name is caught), then writes it to the variable PATH/<file name without .yaml> (item yaml) ' +
    'in the namespace, with a check-and-set index so a concurrent change is not overwritten. Nothing is written when the file has a problem.';
  static override args = { file: Args.string({ description: 'The descriptor file (YAML)', required: true }) };
  static override examples = ['<%= config.bin %> tools push team-x.yaml', '<%= config.bin %> tools push team-x.yaml --path nomad-mcp/tools --name team-x'];
  static override flags = {
    ...nomadFlags,
    ...catalogFlags,
    path: Flags.string({ description: 'Variables path the servers read (default: --tools-from-nomad, else nomad-mcp/tools)' }),
    name: Flags.string({ description: 'Variable name under the path (default: the file name without .yaml)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ToolsPush);
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { bootstrap } = await import('../../cli/bootstrap.js');
    const { DirectorySource, FixedSource, loadSources } = await import('../../host/catalog-sources.js');
    const { NomadVariablesSource, YAML_ITEM } = await import('../../host/catalog-nomad.js');
    const { VARIABLE_PATH, variablesPrefix } = await import('../../host/variable-path.js');
    const { formatProblem, messageOf } = await import('../../host/errors.js');

    let text: string;
    try {
      text = readFileSync(args.file, 'utf8');
    } catch (err) {
      this.error(`cannot read ${args.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exit: 2 });
    }
    const rt = await bootstrap(toConfigFlags(flags), { logLevel: 'warn' }).catch((err: Error) => this.error(err.message, { exit: 2 }));
    try {
      let prefix: string;
      try {
        prefix = variablesPrefix(flags.path ?? rt.config.toolsFromNomad ?? 'nomad-mcp/tools');
      } catch (err) {
        this.error(`--path: ${(err as Error).message}`, { exit: 2 });
      }
      const name = flags.name ?? path.basename(args.file).replace(/\.ya?ml$/i, '');
      const varPath = `${prefix}/${name}`;
      if (name.includes('/') || !VARIABLE_PATH.test(varPath)) {
        this.error(`"${name}" cannot name a Nomad Variable under ${prefix} (letters, digits, -, _ and ~); give one with --name`, { exit: 2 });
      }

      // the file beside everything a server would load with it: built-in and directory files, the other team descriptors
      const nomad = rt.upstreams.get('nomad');
      const team = new NomadVariablesSource(nomad, prefix, rt.config.namespace);
      await team.readOnce(rt.config.requestTimeoutMs);
      const display = path.relative(process.cwd(), args.file) || args.file;
      const checked = loadSources(
        [...rt.sources.filter((s) => s instanceof DirectorySource), team.without(varPath), new FixedSource(display, [{ display, text }])],
        { plugins: rt.plugins, upstreams: rt.upstreams.names() },
      );
      const unread = checked.rejected.find((r) => r.display === prefix);
      if (unread) this.warn(`${unread.problems[0]?.message}: checked without the other descriptors under ${prefix}`);
      const mine = [...checked.problems, ...checked.mismatches];
      if (mine.length) {
        for (const p of mine) this.log(formatProblem(p));
        this.logToStderr(`${mine.length} problem(s) in ${display}: not pushed.`);
        return this.exit(1);
      }
      const tools = checked.tools.filter((t) => t.source.file === display).length;

      // check-and-set: create only if absent (cas=0), else only over the version just read
      let cas = 0;
      try {
        const current = await nomad.request<{ ModifyIndex: number }>('GET', `/v1/var/${varPath}`, { query: { namespace: rt.config.namespace } });
        cas = current.data.ModifyIndex;
      } catch (err) {
        if ((err as { status?: number }).status !== 404) this.error(`cannot read ${varPath}: ${messageOf(err)}`, { exit: 1 });
      }
      try {
        const put = await nomad.request<{ ModifyIndex: number }>('PUT', `/v1/var/${varPath}`, {
          query: { namespace: rt.config.namespace, cas },
          body: { Namespace: rt.config.namespace, Path: varPath, Items: { [YAML_ITEM]: text } },
        });
        this.log(
          `pushed ${display} to ${varPath} (namespace ${rt.config.namespace}, ModifyIndex ${put.data.ModifyIndex}): ${tools} tool(s). ` +
            `Servers running --tools-from-nomad ${prefix} serve it as soon as Nomad tells them.`,
        );
      } catch (err) {
        if ((err as { status?: number }).status === 409) {
          this.error(`${varPath} changed while it was being pushed (check-and-set index ${cas}): nothing written; run tools push again`, { exit: 1 });
        }
        this.error(`cannot write ${varPath}: ${messageOf(err)}`, { exit: 1 });
      }
    } finally {
      await rt.close();
    }
  }
}
