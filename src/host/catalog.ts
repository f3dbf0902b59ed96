import type { Ajv, ErrorObject, Options as AjvOptions, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { CatalogError, type CatalogProblem } from './errors.js';
import { BUILTIN_CACHE_FILE, DESCRIPTOR_SCHEMA_FILE, DESCRIPTOR_VALIDATOR_FILE } from './paths.js';
import { compile, compileRequest, requestTemplates, templateRefs } from './template.js';
import type { DescriptorFile, JsonSchema, Tier, Tool, ToolDescriptor } from './types.js';

export interface LoadOptions {
  /** Plugin names that exist; a descriptor naming another fails. */
  plugins: Set<string> | string[];
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
  problems: CatalogProblem[];
  files: string[];
}

// yaml, ajv and handlebars load on first use: serving a cached built-in catalog needs none of them at start-up.
const requireLazy = createRequire(import.meta.url);
const yaml = () => requireLazy('yaml') as typeof import('yaml');
const newAjv = (o: AjvOptions): Ajv => new (requireLazy('ajv') as { Ajv: new (o: AjvOptions) => Ajv }).Ajv(o);

/** Options of the descriptor-file validator (also used to generate its standalone code at build). */
export const DESCRIPTOR_AJV_OPTIONS = { allErrors: true, strict: false } as const;

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

/** A built-in file as checked at build: its data and each tool's name position. */
export interface CachedFile {
  data: DescriptorFile;
  names: { line: number; col: number }[];
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
      for (const [hash, entry] of Object.entries(JSON.parse(readFileSync(BUILTIN_CACHE_FILE, 'utf8')) as Record<string, CachedFile>)) builtinCache.set(hash, entry);
    } catch {
      // no cache (running from sources): parse everything
    }
  }
  return builtinCache.get(textHash(text));
}

export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

let inputAjvInstance: Ajv | undefined;
/** One ajv instance for every tool's input schema; `useDefaults` fills declared defaults. */
function inputAjv(): Ajv {
  inputAjvInstance ??= newAjv({ allErrors: false, useDefaults: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
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

/** Tier from an explicit `tier` or the annotations. */
export function tierOf(d: ToolDescriptor): Tier {
  if (d.tier) return d.tier;
  if (d.annotations?.readOnlyHint) return 'read';
  if (d.annotations?.destructiveHint) return 'destructive';
  return 'write';
}

class FileContext {
  private lineCounter?: LineCounter;
  private parsed?: Document.Parsed;
  constructor(
    readonly text: string,
    readonly display: string,
    readonly problems: CatalogProblem[],
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
function loadFile(file: string, display: string, opts: { plugins: Set<string>; upstreams: Set<string>; lazy: boolean }, problems: CatalogProblem[]): Tool[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ file: display, line: 1, col: 1, message: `cannot read file: ${(err as Error).message}` });
    return [];
  }
  const ctx = new FileContext(text, display, problems);
  const cached = cachedFile(text);
  if (cached) return checkTools(cached.data, ctx, { ...opts, trusted: true }, (i) => cached.names[i]);
  if (ctx.doc.errors.length) {
    // the first syntax error is the real one; the rest are usually its echoes
    const e = ctx.doc.errors[0];
    const pos = e.linePos?.[0] ?? ctx.lines.linePos(e.pos[0]);
    const more = ctx.doc.errors.length > 1 ? ` (and ${ctx.doc.errors.length - 1} more after it)` : '';
    problems.push({ file: display, line: pos.line, col: pos.col, message: `YAML: ${e.message.split('\n')[0]}${more}` });
    return [];
  }
  const data = ctx.doc.toJS() as DescriptorFile | null;
  const validate = descriptorValidator();
  if (!validate(data)) {
    for (const e of usefulErrors(validate.errors ?? [])) ctx.at(pointerParts(e.instancePath), ajvMessage(e));
    return [];
  }
  return checkTools(data as DescriptorFile, ctx, { ...opts, trusted: false }, (i) => {
    const nameNode = ctx.doc.getIn(['tools', i, 'name'], true) as YamlNode;
    return ctx.lines.linePos(nameNode?.range?.[0] ?? 0);
  });
}

/** Positions of each tool's name in a file (for the build-time cache). */
export function toolNamePositions(text: string): { line: number; col: number }[] {
  const lines = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lines });
  const tools = doc.get('tools', true) as { items?: unknown[] } | undefined;
  return (tools?.items ?? []).map((_, i) => lines.linePos(((doc.getIn(['tools', i, 'name'], true) as YamlNode)?.range?.[0]) ?? 0));
}

/** The checks beyond the schema, and compilation, for every tool of a schema-valid file. */
function checkTools(
  fileDoc: DescriptorFile,
  ctx: FileContext,
  opts: { plugins: Set<string>; upstreams: Set<string>; lazy: boolean; trusted: boolean },
  namePos: (i: number) => { line: number; col: number },
): Tool[] {
  // A trusted (build-time checked) file skips the template reference checks and compiles its templates lazily.
  const skipChecks = opts.trusted && opts.lazy;
  const problems = ctx.problems;
  const display = ctx.display;
  const tools: Tool[] = [];
  fileDoc.tools.forEach((d, i) => {
    const before = problems.length;
    const here = (sub: (string | number)[], msg: string) => ctx.at(['tools', i, ...sub], `${d.name}: ${msg}`);
    const kinds = [d.request && 'request', d.requests && 'requests', d.plugin && 'plugin'].filter(Boolean);
    if (kinds.length !== 1) here([], kinds.length ? `has ${kinds.join(' and ')}: give exactly one` : 'needs one of request, requests or plugin');
    const upstream = d.upstream ?? fileDoc.upstream ?? 'nomad';
    if (!opts.upstreams.has(upstream)) {
      here(d.upstream ? ['upstream'] : [], `unknown upstream "${upstream}" (declared: ${[...opts.upstreams].join(', ')}); add it under upstreams: in the config file`);
    }
    if (d.plugin && !opts.plugins.has(d.plugin)) {
      here(['plugin'], `unknown plugin "${d.plugin}" (known: ${[...opts.plugins].sort().join(', ') || 'none'})`);
    }
    const input: JsonSchema = d.input ?? { type: 'object', properties: {}, additionalProperties: false };
    const params = Object.keys((input.properties as Record<string, unknown>) ?? {});
    let validateInput: ValidateFunction | undefined;
    try {
      // lazy (serve): compiled in idle time after start-up; a broken schema is logged with its position then
      validateInput = opts.lazy ? lazyValidator(input) : inputAjv().compile(input);
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
        render[key] = compileRequest(spec);
      } catch (err) {
        here(where, `template: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    let responseTemplate: Tool['responseTemplate'];
    if (d.response?.template && skipChecks) {
      const template = d.response.template;
      responseTemplate = lazyFn(() => compile(template));
    } else if (d.response?.template) {
      try {
        const roots = new Set(['result', 'args', 'results']);
        for (const ref of templateRefs(d.response.template, true)) {
          const [root, sub] = ref.split('.');
          if (!roots.has(root)) here(['response', 'template'], `response template references "${root}"; use result, results or args`);
          else if (root === 'args' && sub && !params.includes(sub)) here(['response', 'template'], `response template references args.${sub}, which the input schema does not declare`);
        }
        responseTemplate = compile(d.response.template);
      } catch (err) {
        here(['response', 'template'], `template: ${(err as Error).message.split('\n')[0]}`);
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
      tier: tierOf(d),
      annotations,
      inputSchema: input,
      upstream,
      source: { file: display, line: pos.line, col: pos.col },
      descriptor: d,
      validate: validateInput,
      params,
      render: d.plugin ? undefined : render,
      responseTemplate,
      plugin: d.plugin,
    });
  });
  return tools;
}

/**
 * Load every descriptor file of the given targets (directories or files), in order.
 * A duplicate name is a problem at the second definition naming the first.
 */
export function loadCatalog(targets: string[], options: LoadOptions, cwd = process.cwd()): LoadResult {
  const opts = { plugins: new Set(options.plugins), upstreams: new Set(options.upstreams), lazy: options.lazyValidators ?? false };
  const problems: CatalogProblem[] = [];
  const tools: Tool[] = [];
  const files: string[] = [];
  const byName = new Map<string, Tool>();
  for (const target of targets) {
    let list: string[];
    try {
      list = descriptorFiles(target);
    } catch (err) {
      problems.push({ file: target, line: 1, col: 1, message: `cannot read tools directory: ${(err as NodeJS.ErrnoException).code ?? err}` });
      continue;
    }
    for (const file of list) {
      files.push(file);
      const display = path.relative(cwd, file) || file;
      for (const t of loadFile(file, display, opts, problems)) {
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
  }
  return { tools, problems, files };
}

/** Like loadCatalog, but throws a CatalogError listing every problem. */
export function loadCatalogOrThrow(targets: string[], options: LoadOptions, cwd?: string): Tool[] {
  const r = loadCatalog(targets, options, cwd);
  if (r.problems.length) throw new CatalogError(r.problems);
  return r.tools;
}

