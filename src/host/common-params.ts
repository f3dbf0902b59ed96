import type { JsonSchema } from './types.js';

/**
 * Arguments many tools share. A descriptor writes `namespace: common` under `input.properties`; the host fills
 * in the schema the server validates with, and the server's instructions explain the argument once, so the
 * tool list does not repeat the same sentence on forty tools (every tool definition is paid for in the
 * model's context, on every conversation).
 */
export interface CommonParam {
  /** What the server validates with (the tool list shows a compact form, see listing.ts). */
  schema: JsonSchema;
  /** Said once, in the server's instructions. */
  doc: string;
}

const id = (what: string): CommonParam => ({ schema: { type: 'string', minLength: 1 }, doc: what });

export const COMMON_PARAMS: Record<string, CommonParam> = {
  namespace: { schema: { type: 'string' }, doc: 'Nomad namespace; omitted = the server\'s default; "*" = every namespace (list tools).' },
  region: { schema: { type: 'string' }, doc: "Nomad region; omitted = the server's." },
  prefix: { schema: { type: 'string' }, doc: 'only items whose ID (or path) starts with this.' },
  filter: { schema: { type: 'string' }, doc: 'a Nomad filter expression, e.g. Status == "running" (https://developer.hashicorp.com/nomad/api-docs#filtering).' },
  per_page: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, doc: 'page size, default 100.' },
  next_token: { schema: { type: 'string' }, doc: 'the token a previous answer gave ("More results exist…") for the next page.' },
  job_id: id('a job ID.'),
  alloc_id: id('an allocation ID (the full ID unless the property says "or prefix").'),
  node_id: id('a node ID (full; see list_nodes).'),
  eval_id: id('an evaluation ID.'),
  deployment_id: id('a deployment ID.'),
  detail: { schema: { type: 'string', enum: ['summary', 'full'] }, doc: '"full" gives a list as JSON with every field instead of the table (default "summary").' },
};

/** The word a descriptor writes in place of a property's schema. */
export const COMMON = 'common';

/**
 * `input` with every `name: common` property replaced by the host's schema (a new object; the descriptor is
 * not changed). Names the host does not know are returned in `unknown`.
 */
export function expandCommon(input: JsonSchema): { input: JsonSchema; unknown: string[] } {
  const props = input.properties as Record<string, unknown> | undefined;
  if (!props || !Object.values(props).includes(COMMON)) return { input, unknown: [] };
  const unknown: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props)) {
    if (p !== COMMON) out[name] = p;
    else if (Object.hasOwn(COMMON_PARAMS, name)) out[name] = { ...COMMON_PARAMS[name].schema };
    else unknown.push(name);
  }
  return { input: { ...input, properties: out }, unknown };
}

/** The paragraph of the server's instructions that explains the shared arguments once. */
export function commonParamsText(): string {
  return `Arguments shared by many tools: ${Object.entries(COMMON_PARAMS)
    .map(([name, p]) => `${name}: ${p.doc}`)
    .join(' ')}`;
}
