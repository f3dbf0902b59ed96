import { type Hook, toConfiguredId } from '@oclif/core';
import { suggest } from '../host/suggest.js';

/**
 * A mistyped command names the closest one. @oclif/plugin-not-found asks "Did you mean …?" on a terminal
 * and says nothing when stdin is not one (scripts, CI, an agent's shell); this line fills that gap.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY) return; // the plugin asks
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const best = suggest(opts.id, ids);
  if (best) process.stderr.write(`Did you mean ${opts.config.bin} ${toConfiguredId(best, opts.config)}?\n`);
};

export default hook;
