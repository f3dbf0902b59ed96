/**
 * put_variable: create or replace a Nomad variable's items (PUT /v1/var/:path, ?cas=N). A
 * check-and-set conflict (409) is answered in one clear sentence with the current modify index;
 * Nomad's 409 body carries the current variable *with its values*, so it is never shown.
 */
import { definePlugin, ToolError, type ToolContext } from '../host/plugin.js';
import { checkVariablePath, variablePath } from './lib/variables.js';

interface Args {
  [key: string]: unknown;
  path: string;
  items: Record<string, string>;
  cas?: number;
}

interface VariableMeta {
  Namespace?: string;
  Path?: string;
  ModifyIndex?: number;
}

interface Variable extends VariableMeta {
  Items?: Record<string, string> | null;
}

/** The variable's metadata now (GET /v1/vars, which never returns values), or null if there is none. */
async function currentMeta(ctx: ToolContext, path: string): Promise<VariableMeta | null | undefined> {
  try {
    const list = (await ctx.nomad.get<VariableMeta[] | null>('/v1/vars', { query: { prefix: path }, signal: ctx.signal })).data ?? [];
    return list.find((v) => v.Path === path) ?? null;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return undefined; // unknown: the answer says so
  }
}

/** The conflict sentence for a failed check-and-set. */
export function conflictText(path: string, cas: number, current: VariableMeta | null | undefined): string {
  const head = `Variable ${path} was not written: the check-and-set failed`;
  if (current === undefined) {
    return `${head} (cas=${cas} no longer matches its modify index). Read it again with get_variable and retry put_variable with its current modify index as cas.`;
  }
  if (current === null) {
    return `${head}: cas=${cas} expects an existing variable at modify index ${cas}, but there is none now (it was deleted or never existed). Use cas=0 to create it.`;
  }
  const now = current.ModifyIndex ?? 0;
  const why = cas === 0 ? 'cas=0 writes only a new variable, but it already exists' : `it was expected at modify index ${cas}, but someone changed it since`;
  return `${head}: ${why}; its modify index is now ${now}. Read it again with get_variable, then retry put_variable with cas=${now} if you still want to replace it.`;
}

export default definePlugin<Args>({
  name: 'put-variable',
  tier: 'write',
  async call(args, ctx) {
    const urlPath = variablePath(args.path); // Nomad's path rule, checked before anything is sent
    const path = checkVariablePath(args.path);
    let v: Variable;
    try {
      const res = await ctx.nomad.put<Variable>(urlPath, { Items: args.items }, {
        query: args.cas === undefined ? undefined : { cas: args.cas },
        signal: ctx.signal,
      });
      v = res.data ?? {};
    } catch (err) {
      if (err instanceof ToolError && err.status === 409) {
        if (args.cas === undefined) {
          throw new ToolError(`Variable ${path} was not written: Nomad reported a conflict (409; the variable may be locked).`, 'caller', 409);
        }
        const current = await currentMeta(ctx, path);
        throw new ToolError(conflictText(path, args.cas, current), 'caller', 409);
      }
      throw err;
    }
    const keys = Object.keys(v.Items ?? args.items).sort();
    return {
      text: `Variable ${v.Path ?? path} written (modify index ${v.ModifyIndex ?? '?'}, keys: ${keys.join(', ')}).`,
      structured: { path: v.Path ?? path, namespace: v.Namespace ?? ctx.namespace, modify_index: v.ModifyIndex ?? null, keys },
    };
  },
});
