/**
 * The token matrix of issue 11: four tokens made through Nomad's own ACL API (PUT /v1/acl/policy/:name,
 * PUT /v1/acl/token), so the helper works against the simulator and against a real cluster alike.
 *
 *   management  — a management token (the one given, which created the others)
 *   readOnly    — namespace read-only: `policy = "read"` in the namespace
 *   operator    — namespace operator: read, plus read-logs, read-fs and alloc-lifecycle; no agent:read, no node:read
 *   nodeRead    — node read only: `node { policy = "read" }`
 */

export interface MatrixToken {
  name: string;
  secret: string;
  accessor: string;
  policies: string[];
}

export interface TokenMatrix {
  management: MatrixToken;
  readOnly: MatrixToken;
  operator: MatrixToken;
  nodeRead: MatrixToken;
}

/** The policies' rules, for tests that want to show what a token may do. */
export function matrixPolicies(namespace = 'default'): Record<'readOnly' | 'operator' | 'nodeRead', string> {
  return {
    readOnly: `namespace "${namespace}" {\n  policy = "read"\n}\n`,
    operator: `namespace "${namespace}" {\n  policy       = "read"\n  capabilities = ["read-logs", "read-fs", "alloc-lifecycle"]\n}\n`,
    nodeRead: 'node {\n  policy = "read"\n}\n',
  };
}

async function nomad(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(baseUrl.replace(/\/$/, '') + path, {
    method,
    headers: { 'X-Nomad-Token': token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Creates the matrix's policies and tokens with a management token against a running Nomad (or
 * simulator) with ACLs enabled. Names get a prefix (default `matrix`) so they do not collide.
 */
export async function createTokenMatrix(baseUrl: string, managementSecret: string, opts: { namespace?: string; prefix?: string } = {}): Promise<TokenMatrix> {
  const prefix = opts.prefix ?? 'matrix';
  const rules = matrixPolicies(opts.namespace ?? 'default');
  const self = await nomad(baseUrl, managementSecret, 'GET', '/v1/acl/token/self');
  const make = async (key: keyof typeof rules, description: string): Promise<MatrixToken> => {
    const name = `${prefix}-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    await nomad(baseUrl, managementSecret, 'PUT', `/v1/acl/policy/${name}`, { Name: name, Description: description, Rules: rules[key] });
    const t = await nomad(baseUrl, managementSecret, 'PUT', '/v1/acl/token', { Name: name, Type: 'client', Policies: [name] });
    return { name, secret: t.SecretID, accessor: t.AccessorID, policies: [name] };
  };
  return {
    management: { name: self.Name, secret: managementSecret, accessor: self.AccessorID, policies: [] },
    readOnly: await make('readOnly', 'namespace read-only'),
    operator: await make('operator', 'namespace operator: logs, files, restarts; no agent or node access'),
    nodeRead: await make('nodeRead', 'node read only'),
  };
}
