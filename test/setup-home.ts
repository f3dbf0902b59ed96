/**
 * `--demo` keeps its cluster under the user's cache directory (~/.cache/nomad-mcp/demo.json) between
 * runs. Tests must not share one cluster (nor keep one between suite runs): every test file, and every
 * test, gets a HOME of its own, which the spawned processes inherit (the harnesses pass HOME on).
 * npm keeps the real cache, so the pack test does not download again.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach } from 'vitest';

const realHome = process.env.HOME ?? os.homedir();
process.env.npm_config_cache ??= path.join(realHome, '.npm');
const freshHome = () => {
  process.env.HOME = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-home-'));
  delete process.env.XDG_CACHE_HOME;
};
freshHome();
beforeEach(freshHome);
