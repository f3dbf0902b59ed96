import type { ValidateFunction } from 'ajv';

/** JSON Schema as written in a descriptor's `input`. */
export type JsonSchema = Record<string, unknown>;
export type JsonObject = Record<string, unknown>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';

/** `request:` of a declarative tool. Strings are handlebars templates. */
export interface RequestSpec {
  method: HttpMethod;
  path: string;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Nomad answers 404 with this meaning "nothing" rather than an error (rare). */
  allow404?: boolean;
  /**
   * In `requests:` only: when this part fails with an upstream answer, the tool answers with the other
   * parts plus a line `<label> unavailable: <why>`; the part is null for the template.
   */
  optional?: boolean;
  /** Like `optional`, for these statuses only (e.g. [403, 500]). */
  tolerate?: number[];
  /** What the part is called in that line (default: its key). */
  label?: string;
  /** Error statuses whose body is the answer (e.g. [429] for /v1/operator/autopilot/health). */
  accept?: number[];
}

/** `response:` of a tool: how the upstream answer is shaped for a model. */
export interface ResponseSpec {
  /** Dotted path of the part of the answer to keep before picking (`Versions`). */
  root?: string;
  /** Fields to keep, dotted paths, applied per element of arrays; a map renames (`{Running: JobSummary.Summary}`). */
  pick?: string[] | Record<string, string>;
  /** Handlebars template rendering the text for the model (context: `result`, `args`). */
  template?: string;
  /** Cap of the text answer in bytes; default from config. */
  maxBytes?: number;
  /** Shown after a truncation marker: how to narrow the call. */
  hint?: string;
  /** Text when the shaped answer is an empty list. */
  empty?: string;
  /** Template: when it renders non-empty text, the call is a tool error with that text. */
  errorIf?: string;
  /**
   * Order a list (after root, before pick) by a dotted field: `CreateIndex`, or `-CreateIndex` for
   * descending. For lists Nomad does not sort (a job's deployments come in ID order).
   */
  sort?: string;
  /** Dotted paths (after pick) of Nomad times (nanoseconds) to show as ISO text; the JSON text adds each one's age. */
  times?: string[];
  /** Dotted paths whose values are hidden unless the server allows showing them (`--allow-variable-values`). */
  secrets?: string[];
  /**
   * A list answer as a text table (one line per item, see table.ts): columns are dotted paths in the picked
   * item, or `{path: format}`. The call's `detail: "full"` gives the JSON form instead.
   */
  table?: TableColumn[];
}

/** How a table cell shows its value (table.ts). */
export type TableFormat = 'text' | 'counts' | 'time' | 'age' | 'flag';
/** A table column: a dotted path (shown as text), or `{path: format}`. */
export type TableColumn = string | Record<string, TableFormat>;

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** Safety tier: read tools only read; destructive ones are irreversible (purge, delete, drain). */
export type Tier = 'read' | 'write' | 'destructive';

/** One tool as written in YAML. */
export interface ToolDescriptor {
  name: string;
  title?: string;
  description: string;
  tags?: string[];
  tier?: Tier;
  /** Arguments that make a call irreversible when true (purge): refused without --allow-destructive. */
  destructiveWhen?: string[];
  /** Arguments that make a call change the cluster when given (edit_job's apply_at): the user is asked first, like a destructive call. */
  confirmWhen?: string[];
  annotations?: ToolAnnotations;
  input?: JsonSchema;
  upstream?: string;
  request?: RequestSpec;
  requests?: Record<string, RequestSpec>;
  plugin?: string;
  response?: ResponseSpec;
}

/** One descriptor file. */
export interface DescriptorFile {
  upstream?: string;
  tags?: string[];
  tools?: ToolDescriptor[];
  resources?: ResourceDescriptor[];
  prompts?: PromptDescriptor[];
}

/** An MCP resource template: read like a read-only tool whose arguments are the URI's variables. */
export interface ResourceDescriptor {
  uriTemplate: string;
  name: string;
  title?: string;
  description: string;
  /** Tags (toolsets), added to the file's: with --tags, a resource is served only when one is enabled. */
  tags?: string[];
  mimeType?: string;
  upstream?: string;
  /** Argument values when the URI does not carry them (e.g. `lines: 200`). */
  defaults?: Record<string, unknown>;
  request?: RequestSpec;
  plugin?: string;
  response?: ResponseSpec;
  /** How `resources/list` enumerates concrete resources of this template. */
  list?: { request: RequestSpec; root?: string; uri: string; name: string; description?: string; limit?: number };
}

/** An MCP prompt: a handlebars template of the user message, its arguments the variables. */
export interface PromptDescriptor {
  name: string;
  title?: string;
  description: string;
  /** Tags (toolsets), added to the file's and to those of the tools the template names. */
  tags?: string[];
  /** At least this tier (default read); the tools the template names can only make it stricter. */
  tier?: Tier;
  arguments?: { name: string; description?: string; required?: boolean }[];
  template: string;
}

/** A resource template after load. */
export interface ResourceTemplate {
  name: string;
  title?: string;
  description: string;
  mimeType: string;
  uriTemplate: string;
  /** The file's and the entry's tags. */
  tags: string[];
  /** Effective tier: the strictest of read (a resource is read without confirmation), its plugin's and its requests' (list included). */
  tier: Tier;
  /** Variables of the URI template, in order. */
  match(uri: string): Record<string, string> | null;
  /** The read, run through the executor like a read-only tool. */
  tool: Tool;
  defaults: Record<string, unknown>;
  list?: {
    render: (args: JsonObject) => RenderedRequest;
    root?: string;
    uri: (ctx: JsonObject) => string;
    name: (ctx: JsonObject) => string;
    description?: (ctx: JsonObject) => string;
    limit: number;
  };
  source: SourcePos;
}

/** A prompt after load. */
export interface Prompt {
  name: string;
  title?: string;
  description: string;
  arguments: { name: string; description?: string; required?: boolean }[];
  render: (args: JsonObject) => string;
  /** Tools the template names (a prompt is served only when all of them are). */
  uses: string[];
  /** Its own, its file's and its tools' tags. */
  tags: string[];
  /** Effective tier: the strictest of its own `tier` (default read) and its tools'. */
  tier: Tier;
  source: SourcePos;
}

/** Where a tool was declared. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** A tool after load: descriptor plus everything compiled once. */
export interface Tool {
  name: string;
  title?: string;
  description: string;
  tags: string[];
  /** Effective tier: the strictest of the YAML's, the plugin's (code) and the HTTP methods'. */
  tier: Tier;
  /** As sent to clients: raised to the effective tier when the YAML claimed less. */
  annotations: ToolAnnotations;
  inputSchema: JsonSchema;
  upstream: string;
  source: SourcePos;
  descriptor: ToolDescriptor;
  /** ajv validator compiled at load. */
  validate: ValidateFunction;
  /** Property names the input schema declares. */
  params: string[];
  /** Present for declarative tools. */
  render?: Record<string, (args: JsonObject) => RenderedRequest>;
  /** Response text template compiled at load. */
  responseTemplate?: (ctx: JsonObject) => string;
  /** `response.errorIf` compiled at load. */
  errorIf?: (ctx: JsonObject) => string;
  plugin?: string;
  /** Runs commands inside workloads (its plugin says `exec: true`): served only with --allow-exec. */
  exec?: boolean;
}

/** A request ready to send. `path` is already percent-encoded. */
export interface RenderedRequest {
  method: HttpMethod;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  allow404?: boolean;
  accept?: number[];
}
