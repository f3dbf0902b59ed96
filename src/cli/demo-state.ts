import os from 'node:os';
import path from 'node:path';

/** Where `--demo` keeps its cluster: --demo-state, NOMAD_MCP_DEMO_STATE, else the user's cache directory (XDG). */
export function demoStateFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.NOMAD_MCP_DEMO_STATE?.trim()) return path.resolve(env.NOMAD_MCP_DEMO_STATE.trim());
  const cache = env.XDG_CACHE_HOME?.trim() && path.isAbsolute(env.XDG_CACHE_HOME.trim()) ? env.XDG_CACHE_HOME.trim() : path.join(os.homedir(), '.cache');
  return path.join(cache, 'nomad-mcp', 'demo.json');
}
