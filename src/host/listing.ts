import type { Tool as McpTool } from '@modelcontextprotocol/server';
import type { JsonSchema, Tool, ToolAnnotations } from './types.js';

/**
 * What tools/list sends: the part of a tool's definition a model needs to choose it and call it well.
 * The tool list is in every conversation's context, so every byte counts. The server still validates
 * every call with the full input schema; the list leaves out:
 * - limits and formats the server checks anyway (minLength, maxLength, minimum, maximum, pattern): a wrong
 *   value gets an error naming the field, and a property's description says the format a model needs;
 * - defaults (the description says "default …" where it matters), `additionalProperties: false`;
 * - annotations a model does not choose by (see compactAnnotations);
 * - titles (`title`, `annotations.title`): the spec meant them for display, a client shows the name
 *   without one, and a model chooses by name and description. The YAML keeps them for the docs.
 */
const DROPPED = new Set(['minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'uniqueItems', 'pattern', 'default', '$comment', 'examples']);

/** A JSON Schema without what `DROPPED` names, recursively through properties, items and combinators. */
export function compactSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (DROPPED.has(k)) continue;
    if (k === 'additionalProperties') {
      if (v !== false) out[k] = v && typeof v === 'object' ? compactSchema(v as JsonSchema) : v;
    } else if (k === 'properties' && v && typeof v === 'object') {
      if (!Object.keys(v).length) continue; // a tool without arguments: `properties` is optional
      out[k] = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([name, p]) => [name, p && typeof p === 'object' ? compactSchema(p) : p]));
    } else if (k === 'items' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = compactSchema(v as JsonSchema);
    } else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v)) {
      out[k] = v.map((s) => (s && typeof s === 'object' ? compactSchema(s as JsonSchema) : s));
    } else out[k] = v;
  }
  return out;
}

/**
 * readOnlyHint, or for a tool that writes, destructiveHint (said even when true, MCP's default: it is what a
 * client asks before running a tool); openWorldHint only when false (MCP's default is true). idempotentHint
 * is left out: a client that does not know retries as if it were false, which is the safe reading.
 */
export function compactAnnotations(a: ToolAnnotations): ToolAnnotations {
  const out: ToolAnnotations = {};
  if (a.readOnlyHint) out.readOnlyHint = true;
  else {
    // said explicitly either way: whether a write is reversible is what a client asks before running it
    out.destructiveHint = a.destructiveHint !== false;
  }
  if (a.openWorldHint === false) out.openWorldHint = false;
  return out;
}

/**
 * The MCP definition of a tool, as tools/list sends it. With several clusters, a Nomad tool gets the
 * `cluster` argument here (the executor takes it out before validating the tool's own arguments).
 */
export function toMcpTool(t: Tool, cluster?: Record<string, unknown>): McpTool {
  const schema = compactSchema(t.inputSchema) as McpTool['inputSchema'];
  return {
    name: t.name,
    description: t.description,
    inputSchema: cluster && t.upstream === 'nomad' ? ({ ...schema, properties: { ...schema.properties, cluster } } as McpTool['inputSchema']) : schema,
    annotations: compactAnnotations(t.annotations),
  };
}
