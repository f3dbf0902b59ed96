import type { Tool } from './types.js';

export interface OpenApiOptions {
  version: string;
  /** How REST callers authenticate; `none` leaves the security scheme out. */
  auth: 'none' | 'tokens' | 'nomad' | 'oauth';
}

type Json = Record<string, unknown>;

const AUTH_WORDS: Record<OpenApiOptions['auth'], string> = {
  none: '',
  tokens: 'One of the server\'s bearer tokens (--auth-token).',
  nomad: 'Your own Nomad ACL token (--auth nomad): Nomad\'s policies decide what each call may do.',
  oauth: 'An access token from the identity provider (--auth oauth); the server exchanges it for your own Nomad token.',
};

const ERROR_ANSWERS: Record<string, string> = {
  '400': 'The arguments do not match the input schema, or the body is not JSON.',
  '401': 'No valid bearer token.',
  '403': 'Refused: a destructive tool the server does not allow, a namespace outside --namespaces, a browser origin not allowed, or a missing scope.',
  '404': 'No such tool, or the tool is hidden by the server\'s filters.',
  '429': 'A rate or concurrency limit of this caller; retry after the Retry-After seconds.',
};

/** A tool's input schema as OpenAPI 3.1 takes it (JSON Schema 2020-12; `$schema` dropped). */
function bodySchema(schema: unknown): Json {
  const { $schema: _drop, ...rest } = (schema ?? { type: 'object' }) as Json;
  return rest;
}

/**
 * The REST facade as an OpenAPI 3.1 document, made from the catalog the server serves (the same tools as
 * tools/list, after --tags, --read-only and the other filters): `POST /api/tools/{name}` per tool.
 */
export function openApiDocument(tools: Tool[], opts: OpenApiOptions): Json {
  const secured = opts.auth !== 'none';
  const paths: Json = {
    '/api/tools': {
      get: {
        operationId: 'listTools',
        summary: 'The tools this server serves, as MCP tools/list returns them',
        tags: ['catalog'],
        responses: {
          '200': { description: 'The catalog', content: { 'application/json': { schema: { type: 'object', properties: { tools: { type: 'array', items: { type: 'object' } } } } } } },
          ...(secured ? { '401': { $ref: '#/components/responses/Error401' } } : {}),
        },
      },
    },
  };
  const tagNames = new Set<string>(['catalog']);
  for (const t of tools) {
    for (const tag of t.tags) tagNames.add(tag);
    const errors: Json = {};
    for (const code of Object.keys(ERROR_ANSWERS)) {
      if (code === '401' && !secured) continue;
      errors[code] = { $ref: `#/components/responses/Error${code}` };
    }
    paths[`/api/tools/${encodeURIComponent(t.name)}`] = {
      post: {
        operationId: t.name,
        summary: t.title ?? t.name,
        description: `${t.description}\n\nTier: ${t.tier}.`,
        tags: t.tags.length ? t.tags : ['other'],
        requestBody: { required: true, content: { 'application/json': { schema: bodySchema(t.inputSchema) } } },
        responses: {
          '200': { description: 'The answer (a Nomad error is an answer too, with isError true)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Answer' } } } },
          ...errors,
        },
      },
    };
  }
  const responses: Json = {};
  for (const [code, description] of Object.entries(ERROR_ANSWERS)) {
    responses[`Error${code}`] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Refusal' } } } };
  }
  const doc: Json = {
    openapi: '3.1.0',
    info: {
      title: 'nomad-mcp REST facade',
      version: opts.version,
      description: 'Every MCP tool of this server as one POST with its arguments as the JSON body. MCP clients use /mcp instead.',
    },
    servers: [{ url: '/' }],
    tags: [...tagNames].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: {
        Answer: {
          type: 'object',
          required: ['isError', 'text'],
          properties: {
            isError: { type: 'boolean', description: 'true when the tool failed; text says why' },
            text: { type: 'string', description: 'The answer as the model reads it' },
            structured: { description: 'The same answer as data, when the tool has one' },
          },
        },
        Refusal: {
          type: 'object',
          properties: { error: { type: 'string' }, isError: { type: 'boolean' }, text: { type: 'string' } },
        },
      },
      responses,
      ...(secured ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: AUTH_WORDS[opts.auth] } } } : {}),
    },
  };
  if (secured) doc.security = [{ bearer: [] }];
  return doc;
}
