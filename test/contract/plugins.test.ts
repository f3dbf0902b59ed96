/**
 * Every field a plugin reads from a Nomad answer exists in Nomad's types for that endpoint. The
 * plugins declare what they read as TypeScript types (`ctx.nomad.get<AllocStub[]>(…)`, a decoded
 * frame `as RawFrame`): the TypeScript compiler finds each Nomad call, its path and its type, and
 * every property of that type (nested types followed) must exist in the contract type of the
 * endpoint with a compatible JSON type.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Desc, contract, endpointFor, fieldOf, fieldsOf, responseDesc } from './contract.js';

const PLUGINS = path.resolve('src/plugins');

/**
 * Calls whose path is not a literal in the call itself: file → identifier → the path it holds
 * (kept honest: the test fails when such a call appears without an entry, or an entry is unused).
 */
const PATHS: Record<string, Record<string, string | null>> = {
  // variablePath(args.path): /v1/var/<path>
  'put-variable.ts': { urlPath: '/v1/var/{{path}}' },
  // configPath(args.name): /v1/var/nomad-mcp/configs/<name>
  'save-config.ts': { urlPath: '/v1/var/nomad-mcp/configs/{{name}}' },
  // the shared streaming helper: its one caller (watch-events.ts) streams /v1/event/stream
  'lib/timed-stream.ts': { path: '/v1/event/stream' },
};

/** JSON decoded by hand from a stream: file → the TypeScript type name → the contract endpoint it is one object of. */
const DECODED: Record<string, Record<string, string>> = {
  'lib/log-frames.ts': { RawFrame: 'GET /v1/client/fs/logs/:id' },
  'watch-events.ts': { msg: 'GET /v1/event/stream' },
};

/** `?k=v` for the string-literal properties of an options object's `query: {…}`; '' when there are none. */
function literalQuery(opts: ts.Expression | undefined): string {
  if (!opts || !ts.isObjectLiteralExpression(opts)) return '';
  const q = opts.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === 'query');
  if (!q || !ts.isObjectLiteralExpression(q.initializer)) return '';
  const pairs = q.initializer.properties
    .filter((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isStringLiteral(p.initializer))
    .map((p) => [p.name.getText(), (p.initializer as ts.StringLiteral).text]);
  return pairs.length ? `?${new URLSearchParams(pairs)}` : '';
}

interface Found {
  where: string;
  key?: string;
  path: string;
  type?: ts.Type;
  problems: string[];
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** A TypeScript type against a contract type; problems name the plugin's file:line and the field path. */
function compare(checker: ts.TypeChecker, t: ts.Type, d: Desc, where: string, problems: string[], seen = new Set<string>()): void {
  if (d.type === 'any') return;
  if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  const parts = t.isUnion() ? t.types : [t];
  const real = parts.filter((p) => !(p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
  if (real.length === 0) return;
  // boolean is the union true | false
  const base = (p: ts.Type) =>
    p.flags & ts.TypeFlags.StringLike ? 'string' : p.flags & ts.TypeFlags.NumberLike ? 'number' : p.flags & ts.TypeFlags.BooleanLike ? 'boolean' : undefined;
  const scalars = new Set(real.map(base).filter(Boolean));
  const objects = real.filter((p) => !base(p));
  for (const s of scalars) if (s !== d.type) problems.push(`${where}: the plugin expects ${s}, Nomad sends ${d.type} (Go ${d.go ?? d.ref})`);
  for (const o of objects) {
    const key = `${checker.typeToString(o)}→${d.ref ?? d.type}`;
    if (seen.has(key)) continue;
    const inner = new Set(seen).add(key);
    if (checker.isArrayType(o) || checker.isTupleType(o)) {
      if (d.type !== 'array') problems.push(`${where}: the plugin expects an array, Nomad sends ${d.type} (Go ${d.go ?? d.ref})`);
      else compare(checker, checker.getTypeArguments(o as ts.TypeReference)[0], d.of!, `${where}[]`, problems, inner);
      continue;
    }
    if (d.type !== 'object') {
      problems.push(`${where}: the plugin expects an object, Nomad sends ${d.type} (Go ${d.go})`);
      continue;
    }
    const isMap = !fieldsOf(d);
    const index = o.getStringIndexType();
    if (isMap && index) compare(checker, index, d.of!, `${where}[key]`, problems, inner);
    for (const prop of o.getProperties()) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!decl) continue;
      const pt = checker.getTypeOfSymbolAtLocation(prop, decl);
      const f = isMap ? d.of! : fieldOf(d, prop.name);
      if (!f) {
        problems.push(`${where}.${prop.name}: Nomad's ${d.ref} has no field "${prop.name}"${d.ref && contract.server[d.ref] ? ` (nor has ${contract.server[d.ref]})` : ''}`);
        continue;
      }
      compare(checker, pt, f, `${where}.${prop.name}`, problems, inner);
    }
  }
}

/** The text of a path argument: a literal, a tagged template (nomadPath`…`), or an identifier from PATHS. */
function pathText(node: ts.Expression, rel: string, used: Set<string>): string | undefined {
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTaggedTemplateExpression(node) || ts.isTemplateExpression(node)) {
    const tpl = ts.isTaggedTemplateExpression(node) ? node.template : node;
    if (ts.isNoSubstitutionTemplateLiteral(tpl)) return tpl.text;
    return tpl.head.text + tpl.templateSpans.map((s) => `{{${s.expression.getText()}}}${s.literal.text}`).join('');
  }
  if (ts.isIdentifier(node) && PATHS[rel]?.[node.text] !== undefined) {
    used.add(`${rel}:${node.text}`);
    return PATHS[rel][node.text] ?? undefined;
  }
  return undefined;
}

const FIXTURES = path.resolve('test/contract/fixtures');

let cached: ts.Program | undefined;
/** One program for the plugins and the test's fixture (building it is the slow part). */
function compiled(): ts.Program {
  if (!cached) {
    const config = ts.readConfigFile(path.resolve('tsconfig.json'), ts.sys.readFile).config;
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.resolve('.'));
    cached = ts.createProgram([...files(PLUGINS), ...files(FIXTURES)], { ...parsed.options, noEmit: true });
  }
  return cached;
}

const METHODS: Record<string, string> = { get: 'GET', put: 'PUT', post: 'POST', delete: 'DELETE', stream: 'GET' };

function scan(root = PLUGINS): { found: Found[]; unusedPaths: string[]; unusedDecoded: string[] } {
  const program = compiled();
  const checker = program.getTypeChecker();
  const found: Found[] = [];
  const used = new Set<string>();
  const usedDecoded = new Set<string>();
  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(root)) continue;
    const rel = path.relative(root, sf.fileName).split(path.sep).join('/');
    const at = (n: ts.Node) => `${rel}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (n: ts.Node) => {
      // ctx.nomad.get<T>(path, …), .put<T>, .delete, .stream
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && METHODS[n.expression.name.text]) {
        const target = n.expression.expression;
        if (ts.isPropertyAccessExpression(target) && target.name.text === 'nomad') {
          const p = pathText(n.arguments[0], rel, used);
          const method = METHODS[n.expression.name.text];
          const f: Found = { where: at(n), path: p ?? n.arguments[0].getText(), problems: [] };
          if (p === undefined) f.problems.push(`the path ${n.arguments[0].getText()} is not a literal: add it to PATHS`);
          else {
            // string literals in the call's `query: {…}` select query-qualified keys (GET /v1/volumes?type=csi)
            f.key = endpointFor(method, `${p}${literalQuery(n.arguments[1])}`);
            if (!f.key) f.problems.push(`${method} ${p} is not in the contract's endpoint table (scripts/nomad-contract.mjs ENDPOINTS)`);
          }
          if (n.typeArguments?.length) f.type = checker.getTypeFromTypeNode(n.typeArguments[0]);
          found.push(f);
        }
      }
      // JSON decoded by hand: `JSON.parse(…) as RawFrame`, `let msg: {…}`
      const decoded = DECODED[rel];
      if (decoded) {
        let name: string | undefined;
        let typeNode: ts.TypeNode | undefined;
        if (ts.isAsExpression(n) && ts.isTypeReferenceNode(n.type) && decoded[n.type.typeName.getText()]) {
          name = n.type.typeName.getText();
          typeNode = n.type;
        } else if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && decoded[n.name.text] && n.type) {
          name = n.name.text;
          typeNode = n.type;
        }
        if (name && typeNode) {
          usedDecoded.add(`${rel}:${name}`);
          found.push({ where: at(n), key: decoded[name], path: `(decoded ${name})`, type: checker.getTypeFromTypeNode(typeNode), problems: [] });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  for (const f of found) {
    if (!f.key || !f.type) continue;
    const d = responseDesc(f.key);
    if (!d) {
      f.problems.push(`${f.key} answers no body, but the plugin reads one`);
      continue;
    }
    // for a stream (`stream:T`) the type is that of each object
    compare(checker, f.type, d, f.key, f.problems);
  }
  const unusedPaths = Object.entries(PATHS).flatMap(([file, ids]) => Object.keys(ids).map((id) => `${file}:${id}`)).filter((k) => !used.has(k));
  const unusedDecoded = Object.entries(DECODED).flatMap(([file, ids]) => Object.keys(ids).map((id) => `${file}:${id}`)).filter((k) => !usedDecoded.has(k));
  return { found, unusedPaths, unusedDecoded };
}

describe(`plugins ↔ Nomad ${contract.nomadVersion} client types`, () => {
  let result: ReturnType<typeof scan>;
  beforeAll(() => {
    result = scan();
  }, 60_000);

  it('finds the plugins\' Nomad calls and hand-decoded streams, and every table entry is used', () => {
    expect(result.found.length).toBeGreaterThan(30);
    expect(result.found.filter((f) => f.type).length).toBeGreaterThan(20);
    expect(result.unusedPaths).toEqual([]);
    expect(result.unusedDecoded).toEqual([]);
  });

  it('every call goes to a contract endpoint and reads only fields Nomad sends, with their types', () => {
    const problems = result.found.flatMap((f) => f.problems.map((p) => `${f.where} ${p}`));
    expect([...new Set(problems)]).toEqual([]);
  });

  it('catches a field or an endpoint Nomad does not have (the check can fail)', () => {
    const wrong = scan(FIXTURES);
    expect(wrong.found.flatMap((f) => f.problems.map((p) => `${f.where} ${p}`)).sort()).toEqual([
      'wrong-plugin.ts:11 GET /v1/nodes[].Drain: the plugin expects string, Nomad sends boolean (Go bool)',
      'wrong-plugin.ts:11 GET /v1/nodes[].Invented: Nomad\'s NodeListStub has no field "Invented" (nor has structs.NodeListStub)',
      'wrong-plugin.ts:12 GET /v1/nowhere is not in the contract\'s endpoint table (scripts/nomad-contract.mjs ENDPOINTS)',
    ]);
  });

  it('every endpoint the plugins call is in the contract', () => {
    const keys = new Set(result.found.map((f) => f.key).filter(Boolean));
    for (const k of keys) expect(contract.endpoints[k!], k).toBeDefined();
    expect(keys.size).toBeGreaterThan(15);
  });
});
