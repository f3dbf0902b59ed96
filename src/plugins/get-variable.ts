/**
 * get_variable: a Nomad variable's metadata and item keys (GET /v1/var/:path). Values are secrets:
 * they appear only when the server runs with --allow-variable-values, in the text and the structured
 * result alike.
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { iso, isoOrNull } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  path: string;
}

interface Variable {
  Namespace?: string;
  Path?: string;
  CreateIndex?: number;
  ModifyIndex?: number;
  CreateTime?: number;
  ModifyTime?: number;
  Items?: Record<string, string> | null;
  Lock?: { ID?: string } | null;
}

const MAX_VALUE = 2000;

/** `/v1/var/<path>` with every part encoded on its own (`a/b` stays two segments, `..` cannot climb). */
export function variablePath(path: string): string {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.some((p) => p === '')) throw new ToolError(`"${path}" is not a variable path: it has an empty segment.`, 'caller');
  return `${nomadPath`/v1/var`}/${parts.map((p) => nomadPath`${p}`).join('/')}`;
}

export default definePlugin<Args>({
  name: 'get-variable',
  async call(args, ctx) {
    let v: Variable;
    try {
      v = (await ctx.nomad.get<Variable>(variablePath(args.path), { signal: ctx.signal })).data ?? {};
    } catch (err) {
      if (err instanceof ToolError && err.status === 404) {
        throw new ToolError(
          `variable not found: no variable "${args.path}" in namespace "${ctx.namespace}" (Nomad 404). list_variables shows the existing paths.`,
          'caller',
          404,
        );
      }
      throw err;
    }
    const items = v.Items ?? {};
    const keys = Object.keys(items).sort();
    const show = ctx.config.allowVariableValues === true;
    const lines = [
      `Variable ${v.Path ?? args.path} (namespace ${v.Namespace ?? ctx.namespace}): ModifyIndex ${v.ModifyIndex ?? '?'}, modified ${iso(v.ModifyTime)}${v.Lock?.ID ? ', locked' : ''}.`,
    ];
    if (keys.length === 0) lines.push('It has no items.');
    else if (show) {
      lines.push(`${keys.length} ${keys.length === 1 ? 'item' : 'items'}:`);
      for (const k of keys) {
        const val = items[k] ?? '';
        lines.push(`  ${k} = ${JSON.stringify(val.length > MAX_VALUE ? `${val.slice(0, MAX_VALUE)}…` : val)}`);
      }
    } else {
      lines.push(`${keys.length} ${keys.length === 1 ? 'key' : 'keys'}: ${keys.join(', ')}`);
      lines.push('Values are hidden: this server does not show variable values (start it with --allow-variable-values to show them).');
    }
    lines.push(`To change it, use put_variable with cas=${v.ModifyIndex ?? 0} so a concurrent change is not overwritten.`);
    const structured: Record<string, unknown> = {
      path: v.Path ?? args.path,
      namespace: v.Namespace ?? ctx.namespace,
      create_index: v.CreateIndex ?? null,
      modify_index: v.ModifyIndex ?? null,
      modify_time: isoOrNull(v.ModifyTime),
      keys,
      values_shown: show,
    };
    if (show) structured.items = items;
    return { text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text, structured };
  },
});
