import type { Command } from '@oclif/core';
import type { SourcesResult } from '../host/catalog-sources.js';
import type { ConfigFlags } from '../host/config.js';
import { formatProblem } from '../host/errors.js';
import { type BootstrapOptions, type Runtime, bootstrap } from './bootstrap.js';

/**
 * What every catalog command starts with: bootstrap, load the catalog, and on an invalid catalog
 * print `file:line:col: message` lines and exit with `exitCode`.
 */
export async function loadForCommand(
  cmd: Command,
  flags: ConfigFlags,
  opts: BootstrapOptions & { lazy?: boolean; exitCode?: number; invalidMessage?: string } = {},
): Promise<{ rt: Runtime; loaded: SourcesResult }> {
  let rt: Runtime;
  try {
    rt = await bootstrap(flags, opts);
  } catch (err) {
    cmd.logToStderr(`nomad-mcp: ${(err as Error).message}`);
    return cmd.exit(2);
  }
  const loaded = rt.load({ lazy: opts.lazy });
  if (loaded.problems.length) {
    for (const p of loaded.problems) cmd.logToStderr(formatProblem(p));
    if (opts.invalidMessage) cmd.logToStderr(opts.invalidMessage.replace('{n}', String(loaded.problems.length)));
    await rt.close();
    return cmd.exit(opts.exitCode ?? 1);
  }
  return { rt, loaded };
}
