/**
 * The `nomad-mcp sim --policy-file` format: ACL policies, roles and tokens to create at start, in
 * YAML or JSON
 *
 *   policies: { readonly: 'namespace "default" { policy = "read" }' }
 *   roles:    [{ name: ops, policies: [readonly] }]
 *   tokens:   [{ name: ro, secret: ro-secret, policies: [readonly] }, { name: admin, type: management }]
 *
 * or HCL (`policy "readonly" { rules = <<EOT … EOT }`, `role "ops" { policies = [...] }`,
 * `token "ro" { secret = "…" policies = [...] }`).
 */
import { parse as parseYaml } from 'yaml';
import type { AclSetup, TokenSpec } from './acl.js';
import { HclError } from './hcl/diagnostic.js';
import { evaluate, type Value } from './hcl/eval.js';
import { type Body, parseHcl } from './hcl/parser.js';

function fail(file: string, msg: string): never {
  throw new Error(`${file}: ${msg}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(file: string, where: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(file, `${where} must be a list of strings`);
  return v as string[];
}

function onlyKeys(file: string, where: string, o: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(file, `${where}: unknown key "${k}" (expected ${keys.join(', ')})`);
}

/** Checks a decoded (YAML/JSON/HCL) document and returns the setup it describes. */
function setupFrom(file: string, doc: unknown): AclSetup {
  if (!isObject(doc)) fail(file, 'expected an object with policies, roles and tokens');
  onlyKeys(file, 'top level', doc, ['policies', 'roles', 'tokens']);
  const setup: AclSetup = { policies: {}, roles: [], tokens: [] };
  if (doc.policies !== undefined) {
    if (!isObject(doc.policies)) fail(file, 'policies must map names to rules');
    for (const [name, p] of Object.entries(doc.policies)) {
      if (typeof p === 'string') setup.policies![name] = p;
      else if (isObject(p) && typeof p.rules === 'string') {
        onlyKeys(file, `policy "${name}"`, p, ['rules', 'description']);
        setup.policies![name] = { rules: p.rules, description: typeof p.description === 'string' ? p.description : undefined };
      } else fail(file, `policy "${name}" must be rules text or { rules, description }`);
    }
  }
  for (const [i, r] of (Array.isArray(doc.roles) ? doc.roles : doc.roles === undefined ? [] : fail(file, 'roles must be a list')).entries()) {
    if (!isObject(r) || typeof r.name !== 'string') fail(file, `roles[${i}] needs a name`);
    onlyKeys(file, `role "${r.name}"`, r, ['name', 'policies', 'description']);
    setup.roles!.push({ name: r.name, policies: stringList(file, `role "${r.name}" policies`, r.policies), description: typeof r.description === 'string' ? r.description : undefined });
  }
  for (const [i, t] of (Array.isArray(doc.tokens) ? doc.tokens : doc.tokens === undefined ? [] : fail(file, 'tokens must be a list')).entries()) {
    if (!isObject(t)) fail(file, `tokens[${i}] must be an object`);
    onlyKeys(file, `tokens[${i}]`, t, ['name', 'secret', 'type', 'policies', 'roles']);
    if (t.type !== undefined && t.type !== 'client' && t.type !== 'management') fail(file, `tokens[${i}] type must be client or management`);
    if (t.secret !== undefined && (typeof t.secret !== 'string' || t.secret === '')) fail(file, `tokens[${i}] secret must be a non-empty string`);
    const spec: TokenSpec = {
      name: typeof t.name === 'string' ? t.name : undefined,
      secret: t.secret as string | undefined,
      type: (t.type as TokenSpec['type']) ?? 'client',
      policies: stringList(file, `tokens[${i}] policies`, t.policies),
      roles: stringList(file, `tokens[${i}] roles`, t.roles),
    };
    setup.tokens!.push(spec);
  }
  return setup;
}

function hclValue(body: Body): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const a of body.attributes) out[a.name] = evaluate(a.expr, { vars: {}, locals: {} });
  return out;
}

/** HCL blocks `policy "n" {…}`, `role "n" {…}`, `token "n" {…}` → the YAML document shape. */
function hclDocument(file: string, text: string): unknown {
  const body = parseHcl(text);
  if (body.attributes.length) fail(file, `unexpected attribute "${body.attributes[0].name}" at top level`);
  const doc: { policies: Record<string, unknown>; roles: unknown[]; tokens: unknown[] } = { policies: {}, roles: [], tokens: [] };
  for (const b of body.blocks) {
    if (b.labels.length !== 1) fail(file, `${b.type} blocks need one label (the name)`);
    const v = hclValue(b.body);
    if (b.type === 'policy') doc.policies[b.labels[0]] = v;
    else if (b.type === 'role') doc.roles.push({ name: b.labels[0], ...v });
    else if (b.type === 'token') doc.tokens.push({ name: b.labels[0], ...v });
    else fail(file, `unknown block "${b.type}" (expected policy, role or token)`);
  }
  return doc;
}

/** Reads a policy file's text: `.hcl` as HCL, anything else as YAML (which includes JSON). */
export function readAclSetup(text: string, file: string): AclSetup {
  let doc: unknown;
  try {
    doc = file.endsWith('.hcl') ? hclDocument(file, text) : parseYaml(text);
  } catch (e) {
    if (e instanceof HclError) fail(file, e.message);
    if (e instanceof Error && e.message.startsWith(file)) throw e;
    fail(file, (e as Error).message);
  }
  return setupFrom(file, doc);
}
