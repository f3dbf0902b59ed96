/**
 * `/v1/jobs/parse`: HCL2 jobspec → api.Job JSON with Nomad's field names. Supports the common
 * jobspec subset: job/group/task and their usual blocks, `variable` and `locals` blocks, `var.x`
 * references and `${…}` interpolation, functions, heredocs and comments. Unknown arguments and
 * blocks at the job, group, task and resources levels are errors, as in Nomad.
 */
import { coded } from './http.js';
import { HclError, type Range } from './hcl/diagnostic.js';
import { evaluate, Passthrough, type Scope, typeName, type Value } from './hcl/eval.js';
import { type Block, type Body, parseExpression, parseHcl } from './hcl/parser.js';
import { durationToNanos } from './ids.js';
import { canonicalizeJob } from './jobmodel.js';
import type { JsonObject } from './types.js';

type Obj = { [k: string]: unknown };

function inappropriate(name: string, want: string, range: Range): HclError {
  return new HclError('Incorrect attribute value type', `Inappropriate value for attribute "${name}": ${want} required.`, range);
}

/** Reads one block body, remembering which arguments and blocks were understood. */
class Reader {
  private readonly usedAttrs = new Set<string>();
  private readonly usedBlocks = new Set<string>();

  constructor(readonly body: Body, readonly scope: Scope, readonly type: string) {}

  has(name: string): boolean {
    return this.body.attributes.some((a) => a.name === name);
  }

  private attr(name: string) {
    this.usedAttrs.add(name);
    return this.body.attributes.find((a) => a.name === name);
  }

  /** Marks an argument as understood without evaluating it (type constraints). */
  skip(name: string): void {
    this.usedAttrs.add(name);
  }

  value(name: string): Value | undefined {
    const a = this.attr(name);
    return a ? evaluate(a.expr, this.scope) : undefined;
  }

  string(name: string): string | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    const v = evaluate(a.expr, this.scope);
    if (v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v instanceof Passthrough) return v.toString();
    throw inappropriate(name, 'string', a.expr.range);
  }

  number(name: string): number | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    const v = evaluate(a.expr, this.scope);
    if (v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    throw inappropriate(name, 'a number is', a.expr.range);
  }

  bool(name: string): boolean | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    const v = evaluate(a.expr, this.scope);
    if (v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw inappropriate(name, 'a bool is', a.expr.range);
  }

  duration(name: string): number | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    const v = evaluate(a.expr, this.scope);
    if (v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') throw inappropriate(name, 'string', a.expr.range);
    const ns = durationToNanos(v);
    if (ns === undefined) throw new HclError('Unsuitable value type', `Unsuitable value: time: invalid duration ${JSON.stringify(v)}`, a.expr.range);
    return ns;
  }

  strings(name: string): string[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    const v = evaluate(a.expr, this.scope);
    if (v === null) return undefined;
    if (!Array.isArray(v)) throw inappropriate(name, 'list of string', a.expr.range);
    return v.map((x) => {
      if (typeof x === 'string') return x;
      if (typeof x === 'number' || typeof x === 'boolean') return String(x);
      if (x instanceof Passthrough) return x.toString();
      throw inappropriate(name, 'list of string', a.expr.range);
    });
  }

  stringMap(name: string): Record<string, string> | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    const v = evaluate(a.expr, this.scope);
    if (v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v) || v instanceof Passthrough) throw inappropriate(name, 'map of string', a.expr.range);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x instanceof Passthrough ? x.toString() : typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)]));
  }

  blocks(type: string): Block[] {
    this.usedBlocks.add(type);
    return this.body.blocks.filter((b) => b.type === type);
  }

  single(type: string): Block | undefined {
    const list = this.blocks(type);
    if (list.length > 1) {
      throw new HclError(`Duplicate ${type} block`, `Only one ${type} block is allowed. Another was defined at input.hcl:${list[0].typeRange.start.line},${list[0].typeRange.start.col}-${list[0].typeRange.end.col}.`, list[1].typeRange);
    }
    return list[0];
  }

  /** Meta/env style maps: the attribute form merged with any blocks of that name. */
  mapAttrOrBlock(name: string): Record<string, string> | null {
    const out: Record<string, string> = { ...(this.stringMap(name) ?? {}) };
    for (const b of this.blocks(name)) {
      labels(b, 0, '');
      for (const a of b.body.attributes) {
        const v = evaluate(a.expr, this.scope);
        out[a.name] = v instanceof Passthrough ? v.toString() : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
      }
      if (b.body.blocks.length) {
        const nb = b.body.blocks[0];
        throw new HclError('Unsupported block type', `Blocks of type "${nb.type}" are not expected here.`, nb.typeRange);
      }
    }
    return Object.keys(out).length ? out : null;
  }

  /** Fails on arguments and blocks nobody asked for. */
  done(): void {
    for (const a of this.body.attributes) {
      if (!this.usedAttrs.has(a.name)) {
        throw new HclError('Unsupported argument', `An argument named "${a.name}" is not expected here.`, a.nameRange);
      }
    }
    for (const b of this.body.blocks) {
      if (!this.usedBlocks.has(b.type)) {
        throw new HclError('Unsupported block type', `Blocks of type "${b.type}" are not expected here.`, b.typeRange);
      }
    }
  }
}

function labels(b: Block, n: number, names: string): void {
  if (b.labels.length < n) {
    throw new HclError(`Missing name for ${b.type}`, `All ${b.type} blocks must have ${n} labels (${names}).`, b.openRange);
  }
  if (b.labels.length > n) {
    throw new HclError(`Extraneous label for ${b.type}`, n === 0 ? `No labels are expected for ${b.type} blocks.` : `Only ${n} labels (${names}) are expected for ${b.type} blocks.`, b.labelRanges[n]);
  }
}

const ACRONYMS: Record<string, string> = { Id: 'ID', Url: 'URL', Ttl: 'TTL', Http: 'HTTP', Tls: 'TLS', Cpu: 'CPU', Dns: 'DNS', Ip: 'IP', Mb: 'MB', Uid: 'UID', Gid: 'GID', Sni: 'SNI', Grpc: 'GRPC', Tcp: 'TCP', Udp: 'UDP', Csi: 'CSI', Jwt: 'JWT', Aws: 'AWS', Acl: 'ACL' };

function pascal(name: string): string {
  return name.split('_').map((p) => {
    const cap = p.charAt(0).toUpperCase() + p.slice(1);
    return ACRONYMS[cap] ?? cap;
  }).join('');
}

const DURATION_NAME = /(interval|timeout|delay|deadline|stagger|_time$|^time$|ttl|duration|splay|grace|^min$|^max$)/;

/** Values as JSON (runtime references become their `${…}` text). */
function plain(v: Value): unknown {
  if (v instanceof Passthrough) return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Free-form blocks (driver config): keys kept, nested blocks as lists of objects. */
function freeform(body: Body, scope: Scope): Obj {
  const out: Obj = {};
  for (const a of body.attributes) out[a.name] = plain(evaluate(a.expr, scope));
  for (const b of body.blocks) {
    const v: Obj = freeform(b.body, scope);
    if (b.labels.length) v.name ??= b.labels[0];
    out[b.type] = [...((out[b.type] as unknown[] | undefined) ?? []), v];
  }
  return out;
}

const PLURAL: Record<string, string> = {
  check: 'Checks', header: 'Header', upstreams: 'Upstreams', expose: 'Expose', path: 'Paths', service: 'Services', target: 'Targets',
  template: 'Templates', artifact: 'Artifacts', constraint: 'Constraints', affinity: 'Affinities', spread: 'Spreads', port: 'Ports',
  region: 'Regions', device: 'Devices', network: 'Networks',
};

/** Blocks the simulator does not model field by field: snake_case → PascalCase, durations → ns. */
function generic(body: Body, scope: Scope): Obj {
  const out: Obj = {};
  for (const a of body.attributes) {
    const v = plain(evaluate(a.expr, scope));
    const key = pascal(a.name);
    if (typeof v === 'string' && DURATION_NAME.test(a.name)) {
      const ns = durationToNanos(v);
      out[key] = ns === undefined ? v : ns;
    } else {
      out[key] = v;
    }
  }
  for (const b of body.blocks) {
    const v = generic(b.body, scope);
    if (b.labels.length) v.Name ??= b.labels[0];
    if (b.type === 'constraint') {
      out.Constraints = [...((out.Constraints as unknown[]) ?? []), constraint(b, scope)];
    } else if (PLURAL[b.type]) {
      const key = PLURAL[b.type];
      out[key] = [...((out[key] as unknown[] | undefined) ?? []), v];
    } else {
      out[pascal(b.type)] = v;
    }
  }
  return out;
}

const CONSTRAINT_SHORTHANDS = ['distinct_hosts', 'distinct_property', 'regexp', 'version', 'semver', 'set_contains', 'set_contains_any', 'set_contains_all'];

function constraint(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'constraint');
  const c: Obj = { LTarget: r.string('attribute') ?? '', RTarget: r.string('value') ?? '', Operand: r.string('operator') ?? '=' };
  for (const s of CONSTRAINT_SHORTHANDS) {
    if (!r.has(s)) continue;
    if (s === 'distinct_hosts') {
      if (r.bool(s)) c.Operand = s;
      c.RTarget = '';
    } else {
      c.Operand = s;
      if (s === 'distinct_property') c.LTarget = r.string(s) ?? '';
      else c.RTarget = r.string(s) ?? '';
    }
  }
  r.done();
  return c;
}

function affinity(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'affinity');
  const a: Obj = { LTarget: r.string('attribute') ?? '', RTarget: r.string('value') ?? '', Operand: r.string('operator') ?? '=', Weight: r.number('weight') ?? 50 };
  for (const s of ['regexp', 'version', 'semver', 'set_contains', 'set_contains_any', 'set_contains_all']) {
    if (r.has(s)) {
      a.Operand = s;
      a.RTarget = r.string(s) ?? '';
    }
  }
  r.done();
  return a;
}

function spread(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'spread');
  const out: Obj = {
    Attribute: r.string('attribute') ?? '',
    Weight: r.number('weight') ?? 50,
    SpreadTarget: r.blocks('target').map((t) => {
      labels(t, 1, 'value');
      const tr = new Reader(t.body, scope, 'target');
      const o = { Value: t.labels[0], Percent: tr.number('percent') ?? 0 };
      tr.done();
      return o;
    }),
  };
  r.done();
  if ((out.SpreadTarget as unknown[]).length === 0) out.SpreadTarget = null;
  return out;
}

function update(b: Block | undefined, scope: Scope): Obj | null {
  if (!b) return null;
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'update');
  const u: Obj = {
    Stagger: r.duration('stagger') ?? null,
    MaxParallel: r.number('max_parallel') ?? null,
    HealthCheck: r.string('health_check') ?? null,
    MinHealthyTime: r.duration('min_healthy_time') ?? null,
    HealthyDeadline: r.duration('healthy_deadline') ?? null,
    ProgressDeadline: r.duration('progress_deadline') ?? null,
    Canary: r.number('canary') ?? null,
    AutoRevert: r.bool('auto_revert') ?? null,
    AutoPromote: r.bool('auto_promote') ?? null,
  };
  r.done();
  return u;
}

function reader(b: Block | undefined, scope: Scope, fields: [string, string, 'string' | 'number' | 'bool' | 'duration' | 'strings' | 'map'][]): Obj | null {
  if (!b) return null;
  labels(b, 0, '');
  const r = new Reader(b.body, scope, b.type);
  const out: Obj = {};
  for (const [hcl, go, kind] of fields) {
    let v: unknown;
    switch (kind) {
      case 'string': v = r.string(hcl); break;
      case 'number': v = r.number(hcl); break;
      case 'bool': v = r.bool(hcl); break;
      case 'duration': v = r.duration(hcl); break;
      case 'strings': v = r.strings(hcl); break;
      case 'map': v = r.stringMap(hcl); break;
    }
    out[go] = v ?? null;
  }
  r.done();
  return out;
}

function network(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'network');
  const reserved: Obj[] = [];
  const dynamic: Obj[] = [];
  for (const p of r.blocks('port')) {
    labels(p, 1, 'name');
    const pr = new Reader(p.body, scope, 'port');
    const port: Obj = { Label: p.labels[0], Value: pr.number('static') ?? 0, To: pr.number('to') ?? 0, HostNetwork: pr.string('host_network') ?? '' };
    pr.done();
    (port.Value ? reserved : dynamic).push(port);
  }
  const cniBlock = r.single('cni');
  const dnsBlock = r.single('dns');
  const out: Obj = {
    Mode: r.string('mode') ?? '',
    Device: '',
    CIDR: '',
    IP: '',
    Hostname: r.string('hostname') ?? '',
    MBits: r.number('mbits') ?? null,
    DNS: dnsBlock ? reader(dnsBlock, scope, [['servers', 'Servers', 'strings'], ['searches', 'Searches', 'strings'], ['options', 'Options', 'strings']]) : null,
    ReservedPorts: reserved.length ? reserved : null,
    DynamicPorts: dynamic.length ? dynamic : null,
    CNI: cniBlock ? generic(cniBlock.body, scope) : null,
  };
  r.done();
  return out;
}

function check(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'check');
  const out: Obj = {
    Name: r.string('name') ?? '',
    Type: r.string('type') ?? '',
    Command: r.string('command') ?? '',
    Args: r.strings('args') ?? null,
    Path: r.string('path') ?? '',
    Protocol: r.string('protocol') ?? '',
    PortLabel: r.string('port') ?? '',
    Expose: r.bool('expose') ?? false,
    AddressMode: r.string('address_mode') ?? '',
    Interval: r.duration('interval') ?? 0,
    Timeout: r.duration('timeout') ?? 0,
    InitialStatus: r.string('initial_status') ?? '',
    TLSServerName: r.string('tls_server_name') ?? '',
    TLSSkipVerify: r.bool('tls_skip_verify') ?? false,
    Method: r.string('method') ?? '',
    Body: r.string('body') ?? '',
    TaskName: r.string('task') ?? '',
    GRPCService: r.string('grpc_service') ?? '',
    GRPCUseTLS: r.bool('grpc_use_tls') ?? false,
    SuccessBeforePassing: r.number('success_before_passing') ?? 0,
    FailuresBeforeCritical: r.number('failures_before_critical') ?? 0,
    FailuresBeforeWarning: r.number('failures_before_warning') ?? 0,
    OnUpdate: r.string('on_update') ?? '',
  };
  const header = r.single('header');
  out.Header = header ? Object.fromEntries(header.body.attributes.map((a) => [a.name, plain(evaluate(a.expr, scope))])) : null;
  const cr = r.single('check_restart');
  out.CheckRestart = cr ? generic(cr.body, scope) : null;
  r.done();
  return out;
}

function service(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'service');
  const out: Obj = {
    Name: r.string('name') ?? '',
    Tags: r.strings('tags') ?? null,
    CanaryTags: r.strings('canary_tags') ?? null,
    EnableTagOverride: r.bool('enable_tag_override') ?? false,
    PortLabel: r.string('port') ?? '',
    AddressMode: r.string('address_mode') ?? '',
    Address: r.string('address') ?? '',
    Checks: r.blocks('check').map((c) => check(c, scope)),
    CheckRestart: null,
    Connect: null,
    Meta: r.mapAttrOrBlock('meta'),
    CanaryMeta: r.mapAttrOrBlock('canary_meta'),
    TaggedAddresses: r.stringMap('tagged_addresses') ?? null,
    TaskName: r.string('task') ?? '',
    OnUpdate: r.string('on_update') ?? '',
    Identity: null,
    Provider: r.string('provider') ?? '',
    Cluster: r.string('cluster') ?? '',
    Kind: r.string('kind') ?? '',
  };
  if ((out.Checks as unknown[]).length === 0) out.Checks = null;
  const cr = r.single('check_restart');
  if (cr) out.CheckRestart = generic(cr.body, scope);
  const connect = r.single('connect');
  if (connect) out.Connect = generic(connect.body, scope);
  const identity = r.single('identity');
  if (identity) out.Identity = generic(identity.body, scope);
  r.done();
  return out;
}

function resources(b: Block | undefined, scope: Scope): Obj {
  const out: Obj = { CPU: null, Cores: null, MemoryMB: null, MemoryMaxMB: null, DiskMB: null, Networks: null, Devices: null, IOPS: null, SecretsMB: null, NUMA: null };
  if (!b) return out;
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'resources');
  out.CPU = r.number('cpu') ?? null;
  out.Cores = r.number('cores') ?? null;
  out.MemoryMB = r.number('memory') ?? null;
  out.MemoryMaxMB = r.number('memory_max') ?? null;
  out.DiskMB = r.number('disk') ?? null;
  out.IOPS = r.number('iops') ?? null;
  out.SecretsMB = r.number('secrets') ?? null;
  const devices = r.blocks('device').map((d) => {
    labels(d, 1, 'name');
    const g = generic(d.body, scope);
    return { Name: d.labels[0], Count: g.Count ?? null, Constraints: g.Constraints ?? null, Affinities: null };
  });
  out.Devices = devices.length ? devices : null;
  const nets = r.blocks('network').map((n) => network(n, scope));
  out.Networks = nets.length ? nets : null;
  const numa = r.single('numa');
  if (numa) out.NUMA = generic(numa.body, scope);
  r.done();
  return out;
}

function template(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'template');
  const out: Obj = {
    SourcePath: r.string('source') ?? null,
    DestPath: r.string('destination') ?? null,
    EmbeddedTmpl: r.string('data') ?? null,
    ChangeMode: r.string('change_mode') ?? null,
    ChangeSignal: r.string('change_signal') ?? null,
    ChangeScript: null,
    Splay: r.duration('splay') ?? null,
    Perms: r.string('perms') ?? null,
    Uid: r.number('uid') ?? null,
    Gid: r.number('gid') ?? null,
    LeftDelim: r.string('left_delimiter') ?? null,
    RightDelim: r.string('right_delimiter') ?? null,
    Envvars: r.bool('env') ?? null,
    VaultGrace: r.duration('vault_grace') ?? null,
    Wait: null,
    ErrMissingKey: r.bool('error_on_missing_key') ?? null,
    Once: r.bool('once') ?? null,
  };
  const wait = r.single('wait');
  if (wait) out.Wait = reader(wait, scope, [['min', 'Min', 'duration'], ['max', 'Max', 'duration']]);
  const cs = r.single('change_script');
  if (cs) out.ChangeScript = generic(cs.body, scope);
  r.done();
  return out;
}

function artifact(b: Block, scope: Scope): Obj {
  labels(b, 0, '');
  const r = new Reader(b.body, scope, 'artifact');
  const out: Obj = {
    GetterSource: r.string('source') ?? null,
    GetterOptions: r.mapAttrOrBlock('options'),
    GetterHeaders: r.mapAttrOrBlock('headers'),
    GetterMode: r.string('mode') ?? null,
    GetterInsecure: r.bool('insecure') ?? null,
    RelativeDest: r.string('destination') ?? null,
    Chown: r.bool('chown') ?? null,
  };
  r.done();
  return out;
}

const RESTART_FIELDS: [string, string, 'string' | 'number' | 'bool' | 'duration'][] = [
  ['attempts', 'Attempts', 'number'], ['interval', 'Interval', 'duration'], ['delay', 'Delay', 'duration'], ['mode', 'Mode', 'string'],
  ['render_templates', 'RenderTemplates', 'bool'],
];
const RESCHEDULE_FIELDS: [string, string, 'string' | 'number' | 'bool' | 'duration'][] = [
  ['attempts', 'Attempts', 'number'], ['interval', 'Interval', 'duration'], ['delay', 'Delay', 'duration'],
  ['delay_function', 'DelayFunction', 'string'], ['max_delay', 'MaxDelay', 'duration'], ['unlimited', 'Unlimited', 'bool'],
];
const MIGRATE_FIELDS: [string, string, 'string' | 'number' | 'bool' | 'duration'][] = [
  ['max_parallel', 'MaxParallel', 'number'], ['health_check', 'HealthCheck', 'string'], ['min_healthy_time', 'MinHealthyTime', 'duration'],
  ['healthy_deadline', 'HealthyDeadline', 'duration'],
];

function listOrNull<T>(items: T[]): T[] | null {
  return items.length ? items : null;
}

function task(b: Block, scope: Scope): Obj {
  labels(b, 1, 'name');
  const r = new Reader(b.body, scope, 'task');
  const configBlock = r.single('config');
  let config: Obj | null = configBlock ? freeform(configBlock.body, scope) : null;
  if (r.has('config')) config = (plain(r.value('config') ?? null) as Obj) ?? config;
  const out: Obj = {
    Name: b.labels[0],
    Driver: r.string('driver') ?? '',
    User: r.string('user') ?? '',
    Lifecycle: reader(r.single('lifecycle'), scope, [['hook', 'Hook', 'string'], ['sidecar', 'Sidecar', 'bool']]),
    Config: config,
    Constraints: listOrNull(r.blocks('constraint').map((c) => constraint(c, scope))),
    Affinities: listOrNull(r.blocks('affinity').map((c) => affinity(c, scope))),
    Env: r.mapAttrOrBlock('env'),
    Services: listOrNull(r.blocks('service').map((s) => service(s, scope))),
    Resources: resources(r.single('resources'), scope),
    RestartPolicy: reader(r.single('restart'), scope, RESTART_FIELDS),
    Meta: r.mapAttrOrBlock('meta'),
    KillTimeout: r.duration('kill_timeout') ?? null,
    LogConfig: reader(r.single('logs'), scope, [['max_files', 'MaxFiles', 'number'], ['max_file_size', 'MaxFileSizeMB', 'number'], ['disabled', 'Disabled', 'bool']]),
    Artifacts: listOrNull(r.blocks('artifact').map((a) => artifact(a, scope))),
    Vault: null,
    Consul: null,
    Templates: listOrNull(r.blocks('template').map((t) => template(t, scope))),
    DispatchPayload: reader(r.single('dispatch_payload'), scope, [['file', 'File', 'string']]),
    VolumeMounts: listOrNull(r.blocks('volume_mount').map((v) => reader(v, scope, [
      ['volume', 'Volume', 'string'], ['destination', 'Destination', 'string'], ['read_only', 'ReadOnly', 'bool'],
      ['propagation_mode', 'PropagationMode', 'string'], ['selinux_label', 'SELinuxLabel', 'string'],
    ])!)),
    CSIPluginConfig: null,
    Leader: r.bool('leader') ?? false,
    ShutdownDelay: r.duration('shutdown_delay') ?? 0,
    KillSignal: r.string('kill_signal') ?? '',
    Kind: r.string('kind') ?? '',
    ScalingPolicies: null,
    Identity: null,
    Identities: null,
    Actions: null,
    Schedule: null,
  };
  const vault = r.single('vault');
  if (vault) out.Vault = generic(vault.body, scope);
  const consul = r.single('consul');
  if (consul) out.Consul = generic(consul.body, scope);
  const csi = r.single('csi_plugin');
  if (csi) out.CSIPluginConfig = generic(csi.body, scope);
  const identities = r.blocks('identity').map((i) => generic(i.body, scope));
  if (identities.length) out.Identities = identities;
  const actions = r.blocks('action').map((a) => ({ Name: a.labels[0] ?? '', ...generic(a.body, scope) }));
  if (actions.length) out.Actions = actions;
  const schedule = r.single('schedule');
  if (schedule) out.Schedule = generic(schedule.body, scope);
  const scaling = r.blocks('scaling').map((s) => ({ Type: s.labels[0] ?? '', ...generic(s.body, scope) }));
  if (scaling.length) out.ScalingPolicies = scaling;
  r.done();
  return out;
}

function group(b: Block, scope: Scope, jobType: string): Obj {
  labels(b, 1, 'name');
  const r = new Reader(b.body, scope, 'group');
  const volumes: Obj = {};
  for (const v of r.blocks('volume')) {
    labels(v, 1, 'name');
    volumes[v.labels[0]] = { Name: v.labels[0], ...generic(v.body, scope) };
  }
  const scalingBlock = r.single('scaling');
  const out: Obj = {
    Name: b.labels[0],
    Count: r.number('count') ?? 1,
    Constraints: listOrNull(r.blocks('constraint').map((c) => constraint(c, scope))),
    Affinities: listOrNull(r.blocks('affinity').map((c) => affinity(c, scope))),
    Tasks: r.blocks('task').map((t) => task(t, scope)),
    Spreads: listOrNull(r.blocks('spread').map((s) => spread(s, scope))),
    Volumes: Object.keys(volumes).length ? volumes : null,
    RestartPolicy: reader(r.single('restart'), scope, RESTART_FIELDS),
    Disconnect: null,
    ReschedulePolicy: reader(r.single('reschedule'), scope, RESCHEDULE_FIELDS),
    EphemeralDisk: reader(r.single('ephemeral_disk'), scope, [['sticky', 'Sticky', 'bool'], ['migrate', 'Migrate', 'bool'], ['size', 'SizeMB', 'number']]),
    Update: update(r.single('update'), scope),
    Migrate: reader(r.single('migrate'), scope, MIGRATE_FIELDS),
    Networks: listOrNull(r.blocks('network').map((n) => network(n, scope))),
    Meta: r.mapAttrOrBlock('meta'),
    Services: listOrNull(r.blocks('service').map((s) => service(s, scope))),
    ShutdownDelay: r.duration('shutdown_delay') ?? null,
    StopAfterClientDisconnect: r.duration('stop_after_client_disconnect') ?? null,
    MaxClientDisconnect: r.duration('max_client_disconnect') ?? null,
    Scaling: scalingBlock ? { Type: 'horizontal', ...generic(scalingBlock.body, scope) } : null,
    Consul: null,
    PreventRescheduleOnLost: r.bool('prevent_reschedule_on_lost') ?? null,
  };
  const disconnect = r.single('disconnect');
  if (disconnect) out.Disconnect = generic(disconnect.body, scope);
  // Group-level vault applies to every task that has none of its own.
  const vault = r.single('vault');
  if (vault) {
    const v = generic(vault.body, scope);
    for (const t of out.Tasks as Obj[]) t.Vault ??= v;
  }
  const consul = r.single('consul');
  if (consul) out.Consul = generic(consul.body, scope);
  void jobType;
  r.done();
  return out;
}

/** Decodes the `job` block into api.Job (unset fields null). */
function job(b: Block, scope: Scope): Obj {
  labels(b, 1, 'name');
  const r = new Reader(b.body, scope, 'job');
  const id = b.labels[0];
  const type = r.string('type') ?? 'service';
  const periodicBlock = r.single('periodic');
  let periodic: Obj | null = null;
  if (periodicBlock) {
    labels(periodicBlock, 0, '');
    const pr = new Reader(periodicBlock.body, scope, 'periodic');
    const crons = pr.strings('crons');
    const cron = pr.string('cron');
    periodic = {
      Enabled: pr.bool('enabled') ?? null,
      Spec: cron ?? (crons ? crons[0] : null),
      Specs: crons ?? null,
      SpecType: cron || crons ? 'cron' : null,
      ProhibitOverlap: pr.bool('prohibit_overlap') ?? null,
      TimeZone: pr.string('time_zone') ?? null,
    };
    pr.done();
  }
  const groups = r.blocks('group').map((g) => group(g, scope, type));
  // A task directly under job is a group of its own, as in Nomad.
  for (const t of r.blocks('task')) {
    const tk = task(t, scope);
    groups.push({ Name: tk.Name, Count: 1, Tasks: [tk] });
  }
  const out: Obj = {
    Region: r.string('region') ?? null,
    Namespace: r.string('namespace') ?? null,
    ID: id,
    Name: r.string('name') ?? id,
    Type: type,
    Priority: r.number('priority') ?? null,
    AllAtOnce: r.bool('all_at_once') ?? null,
    Datacenters: r.strings('datacenters') ?? null,
    NodePool: r.string('node_pool') ?? null,
    Constraints: listOrNull(r.blocks('constraint').map((c) => constraint(c, scope))),
    Affinities: listOrNull(r.blocks('affinity').map((c) => affinity(c, scope))),
    TaskGroups: groups,
    Update: update(r.single('update'), scope),
    Multiregion: null,
    Spreads: listOrNull(r.blocks('spread').map((s) => spread(s, scope))),
    Periodic: periodic,
    ParameterizedJob: reader(r.single('parameterized'), scope, [['payload', 'Payload', 'string'], ['meta_required', 'MetaRequired', 'strings'], ['meta_optional', 'MetaOptional', 'strings']]),
    Reschedule: reader(r.single('reschedule'), scope, RESCHEDULE_FIELDS),
    Migrate: reader(r.single('migrate'), scope, MIGRATE_FIELDS),
    Meta: r.mapAttrOrBlock('meta'),
    UI: null,
    ConsulToken: r.string('consul_token') ?? null,
    VaultToken: r.string('vault_token') ?? null,
    Stop: null,
    ParentID: null,
    Dispatched: false,
    DispatchIdempotencyToken: null,
    Payload: null,
    ConsulNamespace: r.string('consul_namespace') ?? null,
    VaultNamespace: r.string('vault_namespace') ?? null,
    NomadTokenID: null,
    Status: null,
    StatusDescription: null,
    Stable: null,
    Version: null,
    SubmitTime: null,
    CreateIndex: null,
    ModifyIndex: null,
    JobModifyIndex: null,
    VersionTag: null,
  };
  const multiregion = r.single('multiregion');
  if (multiregion) out.Multiregion = generic(multiregion.body, scope);
  const ui = r.single('ui');
  if (ui) out.UI = generic(ui.body, scope);
  r.done();
  return out;
}

/** Converts an override to the declared variable type. */
function convert(v: Value, type: string | undefined): Value {
  if (type === 'number' && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (type === 'bool' && (v === 'true' || v === 'false')) return v === 'true';
  if (type?.startsWith('list') && typeof v === 'string' && v.trim().startsWith('[')) {
    try {
      return JSON.parse(v) as Value;
    } catch {
      return v;
    }
  }
  return v;
}

/** Variable overrides: an HCL varfile body, `key=value` lines, or a JSON object. */
function parseOverrides(input: unknown): Record<string, Value> {
  if (input === undefined || input === null || input === '') return {};
  if (typeof input === 'object' && !Array.isArray(input)) return input as Record<string, Value>;
  const text = String(input);
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as Record<string, Value>;
    } catch {
      // not JSON: an HCL body below
    }
  }
  try {
    const body = parseHcl(text);
    const scope: Scope = { vars: {}, locals: {} };
    return Object.fromEntries(body.attributes.map((a) => [a.name, evaluate(a.expr, scope)]));
  } catch {
    const out: Record<string, Value> = {};
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (!m) continue;
      // Like `-var key=value`: the raw text, unquoted if quoted; typed later by the declaration.
      let v: Value = m[2];
      if (/^".*"$/.test(m[2])) {
        try {
          v = evaluate(parseExpression(m[2]), { vars: {}, locals: {} });
        } catch {
          v = m[2].slice(1, -1);
        }
      }
      out[m[1]] = v;
    }
    return out;
  }
}

function typeText(b: Block): string | undefined {
  const t = b.body.attributes.find((a) => a.name === 'type');
  if (!t) return undefined;
  const e = t.expr;
  if (e.k === 'var') return e.name;
  if (e.k === 'call') return e.name;
  return undefined;
}

/** Parses jobspec HCL with variable overrides into api.Job. Throws HclError. */
export function parseJobspec(src: string, variables: unknown): Obj {
  const body = parseHcl(src);
  for (const a of body.attributes) {
    throw new HclError('Unsupported argument', `An argument named "${a.name}" is not expected here.`, a.nameRange);
  }
  const overrides = parseOverrides(variables);
  const vars: Record<string, Value> = {};
  const emptyScope: Scope = { vars: {}, locals: {} };
  for (const b of body.blocks.filter((x) => x.type === 'variable')) {
    labels(b, 1, 'name');
    const name = b.labels[0];
    if (name in vars) {
      throw new HclError('Duplicate variable', `Duplicate ${name} variable definition found.`, b.labelRanges[0]);
    }
    const r = new Reader(b.body, emptyScope, 'variable');
    const def = r.value('default');
    r.skip('type');
    r.string('description');
    r.bool('sensitive');
    r.blocks('validation');
    r.done();
    const type = typeText(b);
    if (name in overrides) vars[name] = convert(overrides[name], type);
    else if (def !== undefined) vars[name] = def;
    else {
      throw new HclError(`Unset variable "${name}"`, 'A used variable must be set or have a default value; see https://developer.hashicorp.com/nomad/docs/job-specification/hcl2/variables for details.', b.range);
    }
  }
  const scope: Scope = { vars, locals: {} };
  const localAttrs = body.blocks.filter((x) => x.type === 'locals').flatMap((b) => {
    labels(b, 0, '');
    if (b.body.blocks.length) throw new HclError('Unsupported block type', `Blocks of type "${b.body.blocks[0].type}" are not expected here.`, b.body.blocks[0].typeRange);
    return b.body.attributes;
  });
  // Locals may refer to each other in any order: evaluate until no progress.
  let pending = localAttrs;
  while (pending.length) {
    const failed: typeof pending = [];
    let lastError: HclError | undefined;
    for (const a of pending) {
      try {
        scope.locals[a.name] = evaluate(a.expr, scope);
      } catch (e) {
        if (!(e instanceof HclError)) throw e;
        lastError = e;
        failed.push(a);
      }
    }
    if (failed.length === pending.length) throw lastError!;
    pending = failed;
  }
  const jobs: Block[] = [];
  for (const b of body.blocks) {
    if (b.type === 'job') jobs.push(b);
    else if (b.type !== 'variable' && b.type !== 'locals') {
      throw new HclError('Unsupported block type', `Blocks of type "${b.type}" are not expected here.`, b.typeRange);
    }
  }
  if (jobs.length === 0) {
    const end = body.range.end;
    throw new HclError('Missing job block', 'A job block is required.', { start: { line: 1, col: 1, byte: 0 }, end: end.line === 1 ? end : { line: 1, col: 1, byte: 0 } });
  }
  if (jobs.length > 1) {
    throw new HclError('Duplicate job block', `Only one job block is allowed. Another was defined at input.hcl:${jobs[0].typeRange.start.line},${jobs[0].typeRange.start.col}-${jobs[0].typeRange.end.col}.`, jobs[1].typeRange);
  }
  return job(jobs[0], scope);
}

/** Handles the /v1/jobs/parse body `{JobHCL, Variables, Canonicalize}`. */
export function parseJobRequest(body: JsonObject): JsonObject {
  const hcl = body.JobHCL;
  if (hcl !== undefined && hcl !== null && typeof hcl !== 'string') {
    throw coded(400, `json: cannot unmarshal ${typeName(hcl as Value)} into Go struct field JobsParseRequest.JobHCL of type string`);
  }
  if (!hcl) throw coded(400, 'Job spec is empty');
  let parsed: Obj;
  try {
    parsed = parseJobspec(hcl, body.Variables);
  } catch (e) {
    if (e instanceof HclError) throw coded(400, `Failed to parse job: ${e.message}`);
    throw e;
  }
  if (body.Canonicalize === true) {
    const ns = typeof parsed.Namespace === 'string' ? parsed.Namespace : 'default';
    const canonical = canonicalizeJob(parsed as JsonObject, ns) as unknown as Obj;
    canonical.Status = '';
    return canonical as JsonObject;
  }
  return parsed as JsonObject;
}
