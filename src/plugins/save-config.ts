/**
 * save_config: create or replace a job configuration in Nomad Variables at nomad-mcp/configs/<name>
 * (shared by every replica, protected by Nomad ACLs).
 */
import { definePlugin, ToolError } from '../host/plugin.js';
import { present } from './lib/nomad.js';
import { CONFIG_PREFIX, configPath } from './lib/variables.js';

interface Args {
  [key: string]: unknown;
  name: string;
  job_id: string;
  repository?: string;
  description?: string;
  job_namespace?: string;
}

interface Variable {
  Namespace?: string;
  Path?: string;
  ModifyIndex?: number;
  Items?: Record<string, string>;
}

/** Arguments that are not stored as items (or are stored under another name). */
const NOT_ITEMS = new Set(['name', 'namespace', 'job_namespace', 'job_id', 'repository', 'description']);

export function configItems(args: Args, namespace: string): Record<string, string> {
  const items: Record<string, string> = {};
  const put = (k: string, v: unknown) => {
    if (!present(v)) return;
    const s = String(v).trim();
    if (s) items[k] = s;
  };
  put('job_id', args.job_id);
  put('repository', args.repository);
  put('namespace', args.job_namespace || namespace);
  put('description', args.description);
  for (const [k, v] of Object.entries(args)) {
    if (NOT_ITEMS.has(k)) continue;
    if (v !== null && typeof v === 'object') {
      throw new ToolError(`The extra key "${k}" must be a string, number or boolean.`, 'caller');
    }
    put(k, v);
  }
  return items;
}

export default definePlugin<Args>({
  name: 'save-config',
  tier: 'write',
  async call(args, ctx) {
    const urlPath = configPath(args.name); // checked before anything is sent
    const items = configItems(args, ctx.namespace);
    const path = `${CONFIG_PREFIX}${args.name}`;
    const res = await ctx.nomad.put<Variable>(urlPath, { Items: items }, { signal: ctx.signal });
    const v = res.data ?? {};
    const shown = Object.entries(items)
      .map(([k, val]) => `${k}=${val.length > 80 ? `${val.slice(0, 80)}…` : val}`)
      .join(', ');
    return {
      text: `Saved configuration "${args.name}" as variable ${v.Path ?? path} in namespace ${v.Namespace ?? ctx.namespace} (ModifyIndex ${v.ModifyIndex ?? res.index ?? '?'}): ${shown}.`,
      structured: { name: args.name, path: v.Path ?? path, namespace: v.Namespace ?? ctx.namespace, modify_index: v.ModifyIndex ?? res.index ?? null, items },
    };
  },
});
