// `nomad-mcp serve` over stdio without oclif's start-up (bin/run.js chooses it; everything else goes through oclif):
// oclif's Config.load reads the manifest, both plugins and their package.json files, and builds every command's
// metadata before the first line of serve runs. Here the same Serve command runs with the same flag definitions and
// oclif's own parser; only the Config is a small object with what Command and Serve read (version, bin, hooks).
// Any parse error goes back to oclif (bin/run.js runs it again there), so wrong flags print exactly what they always did.
import type { Config, Interfaces } from '@oclif/core';
import { handle } from '@oclif/core/handle';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Serve from '../commands/serve.js';
import { PACKAGE_ROOT } from '../host/paths.js';

/** Thrown when oclif's parser refuses the arguments: the caller runs the whole CLI instead. */
// oclif's FlagOutput/ArgOutput (not exported by name)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FlagOutput = { [name: string]: any };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ArgOutput = { [name: string]: any };
type Input<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput> = Interfaces.Input<F, B, A>;
type ParserOutput<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput> = Interfaces.ParserOutput<F, B, A>;

export class ParseRefused extends Error {}

function smallConfig(): Config {
  const pjson = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; oclif: { bin: string } };
  const bin = pjson.oclif.bin;
  return {
    name: pjson.name,
    version: pjson.version,
    bin,
    pjson,
    root: PACKAGE_ROOT,
    platform: process.platform,
    arch: process.arch,
    userAgent: `${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}`,
    topicSeparator: ' ',
    // no preparse/prerun hooks are configured (package.json oclif.hooks has command_not_found only)
    runHook: async () => ({ successes: [], failures: [] }),
    scopedEnvVar: () => undefined,
    scopedEnvVarKey: (k: string) => `${bin.toUpperCase().replace(/-/g, '_')}_${k}`,
    scopedEnvVarKeys: (k: string) => [`${bin.toUpperCase().replace(/-/g, '_')}_${k}`],
  } as unknown as Config;
}

class FastServe extends Serve {
  static override id = 'serve';
  // oclif's parser with Serve's flags; a refusal is re-run by oclif for its usual message (and help)
  protected override async parse<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(options?: Input<F, B, A>, argv?: string[]): Promise<ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv);
    } catch (err) {
      throw new ParseRefused((err as Error).message, { cause: err });
    }
  }

  // it finds the command's id among all commands' (the manifest); serve has no deprecated aliases or state
  protected override warnIfCommandDeprecated(): void {}

  start(): Promise<unknown> {
    return this._run();
  }
}

/** Runs `serve ARGV`; rejects with ParseRefused before anything started when the flags do not parse. */
export async function runServe(argv: string[]): Promise<void> {
  const cmd = new FastServe(argv, smallConfig());
  cmd.id = 'serve';
  try {
    await cmd.start();
  } catch (err) {
    if (err instanceof ParseRefused) throw err;
    await handle(err as Error);
  }
}
