import type { Ajv, ErrorObject, Options as AjvOptions, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { CatalogError, type CatalogProblem } from './errors.js';
import { BUILTIN_CACHE_FILE, DESCRIPTOR_SCHEMA_FILE, DESCRIPTOR_VALIDATOR_FILE } from './paths.js';
import { ajvRegExp, schemaPatternProblems } from './safe-regex.js';
import { compile, compileRequest, requestTemplates, templateRefs } from './template.js';
import { COMMON, COMMON_PARAMS, expandCommon } from './common-params.js';
import { fastYaml } from './yaml-fast.js';
import { annotationsFor, declaredTier, declaredWords, isStricter, methodTier, stricter, strictest, tierAdvice } from './tiers.js';
import { UriTemplate } from '@modelcontextprotocol/server';
import type { DescriptorFile, JsonSchema, Prompt, PromptDescriptor, ResourceDescriptor, ResourceTemplate, Tier, Tool, ToolDescriptor } from './types.js';

export interface LoadOptions {
  /**
   * The plugins that exist, with the tier each declares in code (a descriptor naming another fails). Given as
   * bare names, or a plugin without `tier`, a plugin counts as `write`.
   */
  plugins: ReadonlyMap<string, { tier?: Tier; exec?: boolean }> | Iterable<string>;
  /** Upstream names declared in config; a descriptor naming another fails. */
  upstreams: Set<string> | string[];
  /**
   * Compile input validators on first use instead of at load (serve's cold start). The schema is
   * still checked against the JSON Schema meta-schema at load; `tools validate` compiles eagerly.
   */
  lazyValidators?: boolean;
}

export interface LoadResult {
  tools: Tool[];
  resources: ResourceTemplate[];
  prompts: Prompt[];
  problems: CatalogProblem[];
  /**
   * Entries whose YAML claims a weaker tier than their plugin or requests imply. They are served at the stricter
   * tier (so serve starts and warns); `tools validate` fails on them.
   */
  mismatches: CatalogProblem[];
  files: string[];
}

// yaml, ajv and handlebars load on first use: serving a cached built-in catalog needs none of them at start-up.
const requireLazy = createRequire(import.meta.url);
const yaml = () => requireLazy('yaml') as typeof import('yaml');
const newAjv = (o: AjvOptions): Ajv => new (requireLazy('ajv') as { Ajv: new (o: AjvOptions) => Ajv }).Ajv(o);

/**
 * Options of the descriptor-file validator (also used to generate its standalone code at build).
 * Every ajv instance runs schema `pattern`s on the linear-time engine (see safe-regex.ts).
 */
export const DESCRIPTOR_AJV_OPTIONS = { allErrors: true, strict: false, code: { regExp: ajvRegExp } } as const;

let fileValidator: ValidateFunction | undefined;
/** The descriptor-file validator: generated at build (no compile at start-up), else compiled here. */
function descriptorValidator(): ValidateFunction {
  if (!fileValidator) {
    if (existsSync(DESCRIPTOR_VALIDATOR_FILE)) {
      const mod = createRequire(import.meta.url)(DESCRIPTOR_VALIDATOR_FILE) as ValidateFunction | { default: ValidateFunction };
      fileValidator = typeof mod === 'function' ? mod : mod.default;
    } else {
      fileValidator = newAjv(DESCRIPTOR_AJV_OPTIONS).compile(JSON.parse(readFileSync(DESCRIPTOR_SCHEMA_FILE, 'utf8')));
    }
  }
  return fileValidator;
}

/**
 * Load what checking a new descriptor text needs (the YAML parser, the descriptor validator, the input schema
 * validator) ahead of the first one: a server whose catalog changes from Nomad Variables warms it in idle time, so
 * the first change is not slower than the others.
 */
export function warmLoader(): void {
  yaml();
  descriptorValidator();
  inputAjv().validateSchema({ type: 'object' });
}

/** A built-in file as checked at build: its data and each tool's name position. */
export interface CachedFile {
  data: DescriptorFile;
  /** Position of each entry's `name` (or `uriTemplate`) per section. */
  names: Record<Section, { line: number; col: number }[]>;
}

type Section = 'tools' | 'resources' | 'prompts';
type Pos = { line: number; col: number };

/** What one file contributes. */
interface FileItems {
  tools: Tool[];
  resources: ResourceTemplate[];
  prompts: Prompt[];
}
let builtinCache: Map<string, CachedFile> | undefined;
/**
 * Built-in descriptor files parsed and validated at build, keyed by a hash of their text: start-up
 * skips YAML parsing and schema validation for them. An edited file misses the cache and is parsed.
 */
function cachedFile(text: string): CachedFile | undefined {
  if (!builtinCache) {
    builtinCache = new Map();
    try {
      const file = JSON.parse(readFileSync(BUILTIN_CACHE_FILE, 'utf8')) as { version?: number; files?: Record<string, CachedFile> };
      if (file.version === CACHE_VERSION) for (const [hash, entry] of Object.entries(file.files ?? {})) builtinCache.set(hash, entry);
    } catch {
      // no cache (running from sources): parse everything
    }
  }
  return builtinCache.get(textHash(text));
}

/** Bumped when the cache's shape changes, so a stale cache is ignored rather than misread. */
export const CACHE_VERSION = 2;

/** Keep a checked file for the next load (bounded: a long-running server sees many edits). */
function rememberFile(text: string, entry: CachedFile): void {
  cachedFile(''); // make sure the built-in cache is loaded first
  if (builtinCache!.size > 5000) builtinCache!.clear();
  builtinCache!.set(textHash(text), entry);
}

export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

let inputAjvInstance: Ajv | undefined;
/** One ajv instance for every tool's input schema; `useDefaults` fills declared defaults. */
function inputAjv(): Ajv {
  inputAjvInstance ??= newAjv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    code: { regExp: ajvRegExp },
  });
  return inputAjvInstance;
}

/** A function built on first call (templates of a cached file); `warm()` builds it ahead of time. */
function lazyFn<A, R>(make: () => (a: A) => R): ((a: A) => R) & { warm(): void } {
  let fn: ((a: A) => R) | undefined;
  const lazy = ((a: A) => (fn ??= make())(a)) as ((a: A) => R) & { warm(): void };
  lazy.warm = () => {
    fn ??= make();
  };
  return lazy;
}

/** A validator compiled on first call; `warm()` compiles it ahead of time. */
function lazyValidator(schema: JsonSchema): ValidateFunction & { warm(): void } {
  let compiled: ValidateFunction | undefined;
  const fn = ((data: unknown) => {
    compiled ??= inputAjv().compile(schema);
    const ok = compiled(data);
    fn.errors = compiled.errors;
    return ok;
  }) as ValidateFunction & { warm(): void };
  fn.warm = () => {
    compiled ??= inputAjv().compile(schema);
  };
  return fn;
}

/** `*.yaml` / `*.yml` files of a directory (sorted), or the file itself. */
export function descriptorFiles(target: string): string[] {
  const st = statSync(target);
  if (st.isFile()) return [target];
  return readdirSync(target)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => path.join(target, f));
}

/** Plugin name → the tier it declares (`write` when it declares none: the strict default). */
function pluginTiers(plugins: LoadOptions['plugins']): Map<string, Tier | undefined> {
  const out = new Map<string, Tier | undefined>();
  if (plugins instanceof Map) for (const [name, p] of plugins as ReadonlyMap<string, { tier?: Tier }>) out.set(name, p?.tier);
  else for (const name of plugins as Iterable<string>) out.set(name, undefined);
  return out;
}

/** Plugins that run commands inside workloads (`exec: true`): served only with --allow-exec. */
function execPlugins(plugins: LoadOptions['plugins']): Set<string> {
  const out = new Set<string>();
  if (plugins instanceof Map) for (const [name, p] of plugins as ReadonlyMap<string, { exec?: boolean }>) if (p?.exec) out.add(name);
  return out;
}

class FileContext {
  private lineCounter?: LineCounter;
  private parsed?: Document.Parsed;
  constructor(
    readonly text: string,
    readonly display: string,
    readonly problems: CatalogProblem[],
    readonly mismatches: CatalogProblem[],
  ) {}

  /** The YAML document with positions, parsed on first use (a cached file may never need it). */
  get doc(): Document.Parsed {
    this.parsed ??= yaml().parseDocument(this.text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    return this.parsed;
  }

  get lines(): LineCounter {
    this.lineCounter ??= new (yaml().LineCounter)();
    return this.lineCounter;
  }

  /** A tier mismatch at a path: served at the stricter tier, reported by `tools validate`. */
  mismatchAt(pathParts: (string | number)[], message: string): void {
    const before = this.problems.length;
    this.at(pathParts, message);
    this.mismatches.push(...this.problems.splice(before));
  }

  /** Position of the node at a path, or of its nearest existing parent. */
  at(pathParts: (string | number)[], message: string): void {
    let node: YamlNode | undefined;
    for (let n = pathParts.length; n >= 0 && !node; n--) {
      node = this.doc.getIn(pathParts.slice(0, n), true) as YamlNode | undefined;
      if (node && !(node as { range?: unknown }).range) node = undefined;
    }
    const offset = node?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    this.problems.push({ file: this.display, line: pos.line, col: pos.col, message });
  }
}

/** The offending line of a file and a caret under the column, indented under the problem line. */
function excerpt(text: string, line: number, col: number): string {
  const src = text.split('\n')[line - 1]?.replace(/\r$/, '');
  if (src === undefined) return '';
  return `\n    ${src}\n    ${' '.repeat(Math.max(0, col - 1))}^`;
}

/** A parser's whole message (Handlebars': the template line, a caret and what it expected), indented under the problem line. */
function parserMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trimEnd().replace(/\n/g, '\n    ');
}

function ajvMessage(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.replace(/^\//, '').replace(/\//g, '.') : 'file';
  if (e.keyword === 'additionalProperties') return `${where}: unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'enum') return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${where}: ${e.message}`;
}

function pointerParts(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
}

/** Keep only the most useful error of an `oneOf` cascade. */
function usefulErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'oneOf' || e.keyword === 'if') return false;
    const key = `${e.instancePath}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parse and check one file; returns its tools (compiled) and pushes problems. */
const NONE: FileItems = { tools: [], resources: [], prompts: [] };

type FileOpts = { plugins: Map<string, Tier | undefined>; execPlugins: Set<string>; upstreams: Set<string>; lazy: boolean };

/**
 * One descriptor document of a catalog source: a file on disk (`file`), or a text held in memory (`text`, e.g. a
 * Nomad Variable's `yaml` item). `display` is what its problems name (a relative path, a variable path).
 */
export interface CatalogDocument {
  display: string;
  file?: string;
  text?: string;
  /** Why the document has no text (a variable without a `yaml` item): reported at line 1. */
  error?: string;
}

function loadFile(docIn: CatalogDocument, opts: FileOpts, problems: CatalogProblem[], mismatches: CatalogProblem[]): FileItems {
  const display = docIn.display;
  let text: string;
  if (docIn.error !== undefined) {
    problems.push({ file: display, line: 1, col: 1, message: docIn.error });
    return NONE;
  }
  try {
    text = docIn.text ?? readFileSync(docIn.file ?? display, 'utf8');
  } catch (err) {
    problems.push({ file: display, line: 1, col: 1, message: `cannot read file: ${(err as Error).message}` });
    return NONE;
  }
  const ctx = new FileContext(text, display, problems, mismatches);
  const cached = cachedFile(text);
  if (cached) return checkFile(cached.data, ctx, { ...opts, trusted: true }, (section, i) => cached.names[section][i]);
  // plain YAML is read without building a document; yaml parses it when a problem needs a position, and reads
  // whatever the fast reader leaves to it (reporting every YAML error at its line and column)
  const fast = fastYaml(text);
  if (!fast && ctx.doc.errors.length) {
    // every problem of the file, each at its own line with the line and a caret; errors at one place are one problem
    const byPlace = new Map<string, { line: number; col: number; messages: string[] }>();
    for (const e of ctx.doc.errors) {
      const pos = e.linePos?.[0] ?? ctx.lines.linePos(e.pos[0]);
      const key = `${pos.line}:${pos.col}`;
      const at = byPlace.get(key) ?? { line: pos.line, col: pos.col, messages: [] };
      if (!at.messages.includes(e.message)) at.messages.push(e.message);
      byPlace.set(key, at);
    }
    for (const at of byPlace.values()) {
      problems.push({ file: display, line: at.line, col: at.col, message: `YAML: ${at.messages.join('; ')}${excerpt(text, at.line, at.col)}` });
    }
    return NONE;
  }
  let data = (fast ? fast.data : ctx.doc.toJS()) as DescriptorFile | null;
  const validate = descriptorValidator();
  const before = problems.length;
  if (!validate(data)) {
    const errors = usefulErrors(validate.errors ?? []);
    for (const e of errors) ctx.at(pointerParts(e.instancePath), ajvMessage(e));
    // errors confined to some entries: check the other entries too, so one run shows every problem
    const bad = { tools: new Set<number>(), resources: new Set<number>(), prompts: new Set<number>() };
    for (const e of errors) {
      const m = /^\/(tools|resources|prompts)\/(\d+)(\/|$)/.exec(e.instancePath);
      if (!m) return NONE;
      bad[m[1] as Section].add(Number(m[2]));
    }
    const d = data as DescriptorFile;
    const keep = <T>(list: T[] | undefined, section: Section) => list?.map((x, i) => (bad[section].has(i) ? undefined : x)) as T[] | undefined;
    data = { ...d, tools: keep(d.tools, 'tools'), resources: keep(d.resources, 'resources'), prompts: keep(d.prompts, 'prompts') };
  }
  const namePos = (section: Section, i: number) => {
    const entry = (data as Record<Section, unknown[] | undefined>)[section]?.[i];
    const known = fast && entry && typeof entry === 'object' ? fast.namePos.get(entry)?.[section === 'resources' ? 'uriTemplate' : 'name'] : undefined;
    if (known) return known;
    const nameNode = ctx.doc.getIn([section, i, section === 'resources' ? 'uriTemplate' : 'name'], true) as YamlNode;
    return ctx.lines.linePos(nameNode?.range?.[0] ?? 0);
  };
  const items = checkFile(data as DescriptorFile, ctx, { ...opts, trusted: false }, namePos);
  if (problems.length === before) {
    // remember a clean file: a hot reload re-parses only the files that changed
    const doc = data as DescriptorFile;
    const names = { tools: (doc.tools ?? []).map((_, i) => namePos('tools', i)), resources: (doc.resources ?? []).map((_, i) => namePos('resources', i)), prompts: (doc.prompts ?? []).map((_, i) => namePos('prompts', i)) };
    rememberFile(text, { data: doc, names });
  }
  return items;
}

/** Positions of each entry's name per section of a file (for the build-time cache). */
export function namePositions(text: string): Record<Section, Pos[]> {
  const lines = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lines });
  const of = (section: Section, key: string) => {
    const seq = doc.get(section, true) as { items?: unknown[] } | undefined;
    return (seq?.items ?? []).map((_, i) => lines.linePos(((doc.getIn([section, i, key], true) as YamlNode)?.range?.[0]) ?? 0));
  };
  return { tools: of('tools', 'name'), resources: of('resources', 'uriTemplate'), prompts: of('prompts', 'name') };
}

type CheckOpts = FileOpts & { trusted: boolean };

/** Tools, resources and prompts of a schema-valid file. */
function checkFile(fileDoc: DescriptorFile, ctx: FileContext, opts: CheckOpts, namePos: (section: Section, i: number) => Pos): FileItems {
  const tools = checkTools(fileDoc.tools ?? [], 'tools', fileDoc, ctx, opts, (i) => namePos('tools', i));
  // entries that failed the schema are `undefined` here (already reported)
  const resources = (fileDoc.resources ?? []).flatMap((r, i) => (r ? (checkResource(r, i, fileDoc, ctx, opts, namePos('resources', i)) ?? []) : []));
  const prompts = (fileDoc.prompts ?? []).flatMap((p, i) => (p ? (checkPrompt(p, i, fileDoc, ctx, opts, namePos('prompts', i)) ?? []) : []));
  return { tools, resources, prompts };
}

/** A word that may be a tool name (tool names are `^[a-z][a-z0-9_]*$`). */
const WORD = /[a-z][a-z0-9_]*/g;

const URI_VAR = /\{[+#./;?&]?([A-Za-z_][A-Za-z0-9_]*)\*?\}/g;

/** A resource template: its read becomes a read-only pseudo-tool whose arguments are the URI variables. */
function checkResource(r: ResourceDescriptor, i: number, fileDoc: DescriptorFile, ctx: FileContext, opts: CheckOpts, pos: Pos): ResourceTemplate | undefined {
  const before = ctx.problems.length;
  const here = (sub: (string | number)[], msg: string) => ctx.at(['resources', i, ...sub], `${r.name}: ${msg}`);
  const vars = [...r.uriTemplate.matchAll(URI_VAR)].map((m) => m[1]);
  const properties: Record<string, unknown> = {};
  for (const v of vars) properties[v] = { type: 'string', minLength: 1 };
  for (const [k, v] of Object.entries(r.defaults ?? {})) properties[k] ??= { type: typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v };
  if (!r.request === !r.plugin) here([], r.request ? 'has request and plugin: give exactly one' : 'needs a request or a plugin');
  const pseudo: ToolDescriptor = {
    name: r.name,
    description: r.description,
    annotations: { readOnlyHint: true },
    upstream: r.upstream,
    input: { type: 'object', properties, required: vars },
    request: r.request,
    plugin: r.plugin,
    response: r.response,
  };
  const [tool] = checkTools([pseudo], 'resources', fileDoc, ctx, opts, () => pos, i, 'a resource is read without confirmation (resources/read)');
  let tier: Tier = tool?.tier ?? 'read';
  if (r.list) {
    // resources/list sends this for every client that lists resources: it must only read
    const lt = methodTier(r.list.request);
    if (isStricter(lt, 'read')) {
      ctx.mismatchAt(
        ['resources', i, 'list', 'request', 'method'],
        `${r.name}: resources/list sends its list request without confirmation, but it is ${r.list.request.method} ${r.list.request.path} (tier ${lt}); served as ${stricter(tier, lt)} (a list request should be a GET)`,
      );
    }
    tier = stricter(tier, lt);
  }
  const tags = [...new Set([...(fileDoc.tags ?? []), ...(r.tags ?? [])])];
  if (tool) {
    tool.tier = tier;
    // a cluster's tags (clusters: … tags) allow the read as they would the resource
    tool.tags = tags;
  }
  let list: ResourceTemplate['list'];
  if (r.list) {
    // a trusted (build-time checked) file compiles its list templates at the first resources/list
    const later = opts.trusted && opts.lazy;
    const make = <A, R>(fn: () => (a: A) => R) => (later ? lazyFn(fn) : fn());
    const { request, uri, name, description } = r.list;
    try {
      list = {
        render: make(() => compileRequest(request)),
        root: r.list.root,
        uri: make(() => compile(uri)),
        name: make(() => compile(name)),
        description: description ? make(() => compile(description)) : undefined,
        limit: r.list.limit ?? 200,
      };
    } catch (err) {
      here(['list'], `template: ${parserMessage(err)}`);
    }
  }
  let matcher: UriTemplate | undefined;
  try {
    matcher = new UriTemplate(r.uriTemplate);
  } catch (err) {
    here(['uriTemplate'], `invalid URI template: ${(err as Error).message}`);
  }
  if (ctx.problems.length > before || !tool || !matcher) return undefined;
  const uriMatcher = matcher;
  return {
    name: r.name,
    title: r.title,
    description: r.description.trim(),
    mimeType: r.mimeType ?? 'application/json',
    uriTemplate: r.uriTemplate,
    tags,
    tier,
    match: (uri) => {
      const m = uriMatcher.match(uri) as Record<string, string | string[]> | null;
      if (!m) return null;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(m)) out[k] = decodeURIComponent(Array.isArray(v) ? v.join(',') : v);
      return out;
    },
    tool,
    defaults: r.defaults ?? {},
    list,
    source: { file: ctx.display, ...pos },
  };
}

function checkPrompt(p: PromptDescriptor, i: number, fileDoc: DescriptorFile, ctx: FileContext, opts: CheckOpts, pos: Pos): Prompt | undefined {
  const args = p.arguments ?? [];
  const names = args.map((a) => a.name);
  try {
    // a trusted (build-time checked) file was checked at build: its template compiles on first use (serve
    // answers initialize without loading handlebars)
    const trusted = opts.trusted && opts.lazy;
    if (!trusted) {
      for (const ref of templateRefs(p.template)) {
        if (!names.includes(ref)) ctx.at(['prompts', i, 'template'], `${p.name}: template references "${ref}", which is not one of its arguments`);
      }
    }
    const render = trusted ? lazyFn(() => compile(p.template)) : compile(p.template);
    // the words of the template for now: which are tools (and the tags and tier they add) is settled once every
    // file's tools are known (promptUses)
    const words = [...new Set(p.template.match(WORD) ?? [])];
    const tags = [...new Set([...(fileDoc.tags ?? []), ...(p.tags ?? [])])];
    return { name: p.name, title: p.title, description: p.description.trim(), arguments: args, render, uses: words, tags, tier: p.tier ?? 'read', source: { file: ctx.display, ...pos } };
  } catch (err) {
    ctx.at(['prompts', i, 'template'], `${p.name}: template: ${parserMessage(err)}`);
    return undefined;
  }
}

/** The checks beyond the schema, and compilation, for every tool of a schema-valid file. */
function checkTools(
  descriptors: ToolDescriptor[],
  section: Section,
  fileDoc: DescriptorFile,
  ctx: FileContext,
  opts: CheckOpts,
  namePos: (i: number) => Pos,
  /** Index of the entry in its section when `descriptors` is a single pseudo-tool. */
  sectionIndex?: number,
  /** What a resource's pseudo-tool claims, for a tier mismatch (a tool's YAML annotations otherwise). */
  resourceClaim?: string,
): Tool[] {
  // A trusted (build-time checked) file skips the template reference checks and compiles its templates lazily.
  const skipChecks = opts.trusted && opts.lazy;
  const problems = ctx.problems;
  const display = ctx.display;
  const tools: Tool[] = [];
  descriptors.forEach((d, i) => {
    if (!d) return; // failed the schema, already reported
    const before = problems.length;
    const here = (sub: (string | number)[], msg: string) => ctx.at([section, sectionIndex ?? i, ...sub], `${d.name}: ${msg}`);
    const kinds = [d.request && 'request', d.requests && 'requests', d.plugin && 'plugin'].filter(Boolean);
    if (kinds.length !== 1) here([], kinds.length ? `has ${kinds.join(' and ')}: give exactly one` : 'needs one of request, requests or plugin');
    const upstream = d.upstream ?? fileDoc.upstream ?? 'nomad';
    if (!opts.upstreams.has(upstream)) {
      here(d.upstream ? ['upstream'] : [], `unknown upstream "${upstream}" (declared: ${[...opts.upstreams].join(', ')}); add it under upstreams: in the config file`);
    }
    if (d.plugin && !opts.plugins.has(d.plugin)) {
      here(['plugin'], `unknown plugin "${d.plugin}" (known: ${[...opts.plugins.keys()].sort().join(', ') || 'none'}); load a team plugin with plugins: in the config file`);
    }
    // The effective tier: the YAML can make it stricter than the plugin's code and the HTTP methods, never weaker.
    // A claim below them is served at the stricter tier and reported (tools validate fails on it).
    const declared = declaredTier(d);
    let tier: Tier = declared;
    const floor = (t: Tier, at: (string | number)[], what: string) => {
      if (isStricter(t, declared)) {
        const advice = resourceClaim ? 'a resource should only read; make it a tool' : tierAdvice(t);
        ctx.mismatchAt([section, sectionIndex ?? i, ...at], `${d.name}: ${resourceClaim ?? declaredWords(d)}, but ${what}; served as ${t} (${advice})`);
      }
      tier = stricter(tier, t);
    };
    if (d.plugin && opts.plugins.has(d.plugin)) {
      const pt = opts.plugins.get(d.plugin);
      floor(pt ?? 'write', ['plugin'], pt ? `plugin "${d.plugin}" declares tier ${pt}` : `plugin "${d.plugin}" declares no tier (counted as write)`);
    }
    for (const [key, spec] of Object.entries(d.request ? { request: d.request } : (d.requests ?? {}))) {
      const mt = methodTier(spec, d.destructiveWhen);
      floor(mt, d.request ? ['request', 'method'] : ['requests', key, 'method'], `it sends ${spec.method} ${spec.path} (tier ${mt})`);
    }
    if (d.request && (d.request.optional || d.request.tolerate || d.request.label)) {
      here(['request'], 'optional, tolerate and label apply to entries of requests: (a part that may be missing), not to a single request');
    }
    // `name: common` properties take the host's shared definition (common-params.ts)
    const expanded = expandCommon(d.input ?? { type: 'object', properties: {}, additionalProperties: false });
    for (const name of expanded.unknown) {
      here(['input', 'properties', name], `"${name}: common" names no shared argument; the shared ones are ${Object.keys(COMMON_PARAMS).join(', ')}`);
    }
    const input: JsonSchema = expanded.input;
    const params = Object.keys((input.properties as Record<string, unknown>) ?? {});
    // `detail: common` chooses between the table and the JSON form: without a table it would change nothing
    if ((d.input?.properties as Record<string, unknown> | undefined)?.detail === COMMON && !d.response?.table) {
      here(['input', 'properties', 'detail'], '"detail: common" switches a response.table to the JSON form, and this tool has no response.table');
    }
    let validateInput: ValidateFunction | undefined;
    try {
      // lazy (serve): compiled in idle time after start-up. A team's file is still checked against the
      // JSON Schema meta-schema now; the built-in ones were compiled at build.
      if (!opts.lazy) validateInput = inputAjv().compile(input);
      else if (!opts.trusted && !inputAjv().validateSchema(input)) here(['input'], `invalid input schema: ${inputAjv().errorsText(inputAjv().errors, { dataVar: 'input' })}`);
      // a pattern the linear-time engine refuses would only fail at the first call: report it at load
      else if (!opts.trusted && schemaPatternProblems(input).length) here(['input'], `invalid input schema: ${schemaPatternProblems(input)[0]}`);
      else validateInput = lazyValidator(input);
    } catch (err) {
      here(['input'], `invalid input schema: ${(err as Error).message}`);
    }
    const render: Tool['render'] = {};
    const specs = d.request ? { request: d.request } : (d.requests ?? {});
    for (const [key, spec] of Object.entries(specs)) {
      const where = d.request ? ['request'] : ['requests', key];
      try {
        if (skipChecks) {
          render[key] = lazyFn(() => compileRequest(spec));
          continue;
        }
        for (const t of requestTemplates(spec)) {
          for (const ref of templateRefs(t)) {
            if (!params.includes(ref)) here(where, `template references "${ref}", which the input schema does not declare`);
          }
        }
        // the reference check parsed every template (syntax errors surface here); code generation can wait
        render[key] = opts.lazy ? lazyFn(() => compileRequest(spec)) : compileRequest(spec);
      } catch (err) {
        here(where, `template: ${parserMessage(err)}`);
      }
    }
    /** A response-side template (template, errorIf): checked against result/results/args, compiled (lazily when trusted). */
    const responseSide = (key: 'template' | 'errorIf'): ((ctx: Record<string, unknown>) => string) | undefined => {
      const template = d.response?.[key];
      if (!template) return undefined;
      if (skipChecks) return lazyFn(() => compile(template));
      try {
        const roots = new Set(['result', 'args', 'results']);
        for (const ref of templateRefs(template, true)) {
          const [root, sub] = ref.split('.');
          if (!roots.has(root)) here(['response', key], `response ${key} references "${root}"; use result, results or args`);
          else if (root === 'args' && sub && !params.includes(sub)) here(['response', key], `response ${key} references args.${sub}, which the input schema does not declare`);
        }
        return opts.lazy ? lazyFn(() => compile(template)) : compile(template);
      } catch (err) {
        here(['response', key], `template: ${parserMessage(err)}`);
        return undefined;
      }
    };
    const responseTemplate = responseSide('template');
    const errorIf = responseSide('errorIf');
    for (const key of ['destructiveWhen', 'confirmWhen'] as const) {
      for (const a of d[key] ?? []) {
        if (!params.includes(a)) here([key], `${key} names "${a}", which the input schema does not declare`);
      }
    }
    if (problems.length > before || !validateInput) return;
    const pos = namePos(i);
    const annotations = { ...d.annotations };
    if (d.title && !annotations.title) annotations.title = d.title;
    tools.push({
      name: d.name,
      title: d.title,
      description: d.description.trim(),
      tags: [...new Set([...(fileDoc.tags ?? []), ...(d.tags ?? [])])],
      tier,
      annotations: annotationsFor(annotations, tier),
      inputSchema: input,
      upstream,
      source: { file: display, line: pos.line, col: pos.col },
      descriptor: d,
      validate: validateInput,
      params,
      render: d.plugin ? undefined : render,
      responseTemplate,
      errorIf,
      plugin: d.plugin,
      ...(d.plugin && opts.execPlugins.has(d.plugin) ? { exec: true } : {}),
    });
  });
  return tools;
}

/** The documents of the given targets (directories or files), in order; an unreadable target is a problem. */
export function targetDocuments(targets: string[], problems: CatalogProblem[], cwd = process.cwd()): CatalogDocument[] {
  const docs: CatalogDocument[] = [];
  for (const target of targets) {
    try {
      for (const file of descriptorFiles(target)) docs.push({ file, display: path.relative(cwd, file) || file });
    } catch (err) {
      problems.push({ file: target, line: 1, col: 1, message: `cannot read tools directory: ${(err as NodeJS.ErrnoException).code ?? err}` });
    }
  }
  return docs;
}

/**
 * Load every descriptor file of the given targets (directories or files), in order.
 * A duplicate name is a problem at the second definition naming the first.
 */
export function loadCatalog(targets: string[], options: LoadOptions, cwd = process.cwd()): LoadResult {
  const problems: CatalogProblem[] = [];
  const docs = targetDocuments(targets, problems, cwd);
  return loadDocuments(docs, options, problems);
}

/**
 * Load descriptor documents (files or texts), in order, after `problems` already found reading them.
 * A duplicate name is a problem at the second definition naming the first.
 */
export function loadDocuments(docs: CatalogDocument[], options: LoadOptions, problems: CatalogProblem[] = []): LoadResult {
  const opts: FileOpts = { plugins: pluginTiers(options.plugins), execPlugins: execPlugins(options.plugins), upstreams: new Set(options.upstreams), lazy: options.lazyValidators ?? false };
  const mismatches: CatalogProblem[] = [];
  const tools: Tool[] = [];
  const resources: ResourceTemplate[] = [];
  const prompts: Prompt[] = [];
  const files: string[] = [];
  const byName = new Map<string, Tool>();
  const seen = { resource: new Map<string, { source: Pos & { file: string } }>(), prompt: new Map<string, { source: Pos & { file: string } }>() };
  /** A name already taken is a problem at the second definition naming the first. */
  const unique = <T extends { name: string; source: Pos & { file: string } }>(kind: 'resource' | 'prompt', item: T, into: T[]) => {
    const first = seen[kind].get(item.name);
    if (first) {
      problems.push({ ...item.source, message: `duplicate ${kind} name "${item.name}" (first defined at ${first.source.file}:${first.source.line}:${first.source.col})` });
      return;
    }
    seen[kind].set(item.name, item);
    into.push(item);
  };
  for (const doc of docs) {
    files.push(doc.file ?? doc.display);
    let items: FileItems;
    try {
      items = loadFile(doc, opts, problems, mismatches);
    } catch (err) {
      // a loader bug must surface as a problem with a position, never as a crash of validate, doctor or a reload
      problems.push({ file: doc.display, line: 1, col: 1, message: `cannot load this file: ${(err as Error).message}` });
      continue;
    }
    for (const r of items.resources) unique('resource', r, resources);
    for (const p of items.prompts) unique('prompt', p, prompts);
    for (const t of items.tools) {
      const first = byName.get(t.name);
      if (first) {
        problems.push({
          ...t.source,
          message: `duplicate tool name "${t.name}" (first defined at ${first.source.file}:${first.source.line}:${first.source.col})`,
        });
        continue;
      }
      byName.set(t.name, t);
      tools.push(t);
    }
  }
  for (const p of prompts) promptUses(p, byName);
  return { tools, resources, prompts, problems, mismatches, files };
}

/**
 * The tools a prompt's template names, and what they add: their tags, and their tiers (a prompt that leads to a
 * write is a write prompt). Naming is not running, so it is not a mismatch; the prompt is just served only when
 * every tool it names is. Linear in the template's length.
 */
function promptUses(p: Prompt, tools: Map<string, Tool>): void {
  const uses = p.uses.filter((w) => tools.has(w));
  p.uses = uses;
  p.tags = [...new Set([...p.tags, ...uses.flatMap((u) => tools.get(u)!.tags)])];
  p.tier = stricter(p.tier, strictest(uses.map((u) => tools.get(u)!.tier)));
}

/** Like loadCatalog, but throws a CatalogError listing every problem. */
export function loadCatalogOrThrow(targets: string[], options: LoadOptions, cwd?: string): Tool[] {
  const r = loadCatalog(targets, options, cwd);
  if (r.problems.length) throw new CatalogError(r.problems);
  return r.tools;
}

