#!/usr/bin/env node
// Dev script: read the Go struct declarations of Nomad's official API client (api/*.go in
// hashicorp/nomad, MPL-2.0) and write the JSON contract the tests check the catalog, the plugins
// and the simulator against (test/contract/nomad-api.json). The facts come from Nomad's source;
// this scanner and the endpoint table below are ours. CI only reads the output.
//
//   node scripts/nomad-contract.mjs <nomad git dir | directory holding api/*.go> [--ref v1.9.7] [--out FILE]
//
// A git dir is read with `git show <ref>:api/<file>` (no work tree needed). Go is scanned by hand
// (trusted input): top-level `type` declarations, struct fields, `json:"…"` tags, embedded structs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every endpoint the product calls (tools.d/*.yaml requests, src/plugins/**), with the api/*.go
 * function that decodes its answer. `type`: a struct name, `T[]`, `T?` (may be JSON null), `map:T` (an object of T by key), `string`,
 * `string[]`, `empty` (no body), `stream:T` (a stream of T objects). `fn` is checked: the function
 * must exist and its body must name the type (or, for `via`, the text given); `A|B` names the
 * function in older|newer Nomad versions, the first that qualifies is cited; `bytes` = a raw body (file contents).
 */
const ENDPOINTS = {
  'GET /v1/jobs': { type: 'JobListStub[]', fn: 'Jobs.ListOptions' },
  'PUT /v1/jobs': { type: 'JobRegisterResponse', fn: 'Jobs.RegisterOpts' },
  'PUT /v1/jobs/parse': { type: 'Job', fn: 'Jobs.ParseHCLOpts', via: 'var job Job' },
  'PUT /v1/validate/job': { type: 'JobValidateResponse', fn: 'Jobs.Validate' },
  'GET /v1/job/:id': { type: 'Job', fn: 'Jobs.Info' },
  'DELETE /v1/job/:id': { type: 'JobDeregisterResponse', fn: 'Jobs.Deregister' },
  'GET /v1/job/:id/versions': { type: 'JobVersionsResponse', fn: 'Jobs.VersionsOpts|Jobs.Versions' },
  'GET /v1/job/:id/submission': { type: 'JobSubmission', fn: 'Jobs.Submission' },
  'GET /v1/job/:id/allocations': { type: 'AllocationListStub[]', fn: 'Jobs.Allocations' },
  'GET /v1/job/:id/evaluations': { type: 'Evaluation[]', fn: 'Jobs.Evaluations' },
  'GET /v1/job/:id/deployments': { type: 'Deployment[]', fn: 'Jobs.Deployments' },
  'GET /v1/job/:id/deployment': { type: 'Deployment?', fn: 'Jobs.LatestDeployment' },
  'GET /v1/job/:id/summary': { type: 'JobSummary', fn: 'Jobs.Summary' },
  'GET /v1/job/:id/scale': { type: 'JobScaleStatusResponse', fn: 'Jobs.ScaleStatus' },
  'PUT /v1/job/:id/scale': { type: 'JobRegisterResponse', fn: 'Jobs.ScaleWithRequest|Jobs.Scale' },
  'PUT /v1/job/:id/plan': { type: 'JobPlanResponse', fn: 'Jobs.PlanOpts' },
  'PUT /v1/job/:id/evaluate': { type: 'JobRegisterResponse', fn: 'Jobs.EvaluateWithOpts' },
  'PUT /v1/job/:id/revert': { type: 'JobRegisterResponse', fn: 'Jobs.Revert' },
  'PUT /v1/job/:id/stable': { type: 'JobStabilityResponse', fn: 'Jobs.Stable' },
  'PUT /v1/job/:id/dispatch': { type: 'JobDispatchResponse', fn: 'Jobs.Dispatch|Jobs.DispatchOpts' },
  'PUT /v1/job/:id/periodic/force': { type: 'periodicForceResponse', fn: 'Jobs.PeriodicForce' },
  'GET /v1/allocations': { type: 'AllocationListStub[]', fn: 'Allocations.List' },
  'GET /v1/allocation/:id': { type: 'Allocation', fn: 'Allocations.Info' },
  'PUT /v1/allocation/:id/stop': { type: 'AllocStopResponse', fn: 'Allocations.Stop' },
  // Allocations.Restart decodes into `struct{}`; the server answers a GenericResponse (client/alloc_endpoint.go)
  'PUT /v1/client/allocation/:id/restart': { type: 'GenericResponse', fn: 'Allocations.Restart', via: 'var resp struct{}' },
  'PUT /v1/client/allocation/:id/signal': { type: 'GenericResponse', fn: 'Allocations.Signal' },
  'GET /v1/client/allocation/:id/stats': { type: 'AllocResourceUsage', fn: 'Allocations.Stats' },
  // AllocCheckStatuses is map[string]AllocCheckStatus (tasks.go): `map:T` = an object of T by key
  'GET /v1/client/allocation/:id/checks': { type: 'map:AllocCheckStatus', fn: 'Allocations.Checks', via: 'AllocCheckStatuses' },
  'GET /v1/client/fs/logs/:id': { type: 'stream:StreamFrame', fn: 'AllocFS.Logs' },
  'GET /v1/client/fs/ls/:id': { type: 'AllocFileInfo[]', fn: 'AllocFS.List' },
  'GET /v1/client/fs/stat/:id': { type: 'AllocFileInfo', fn: 'AllocFS.Stat' },
  // ReadAt hands the caller the raw body (an io.ReadCloser): `bytes` = the file's bytes, no JSON
  'GET /v1/client/fs/readat/:id': { type: 'bytes', fn: 'AllocFS.ReadAt', via: 'queryClientNode' },
  'GET /v1/client/stats': { type: 'HostStats', fn: 'Nodes.Stats' },
  'GET /v1/client/metadata': { type: 'NodeMetaResponse', fn: 'NodeMeta.Read' },
  'GET /v1/services': { type: 'ServiceRegistrationListStub[]', fn: 'Services.List' },
  'GET /v1/service/:name': { type: 'ServiceRegistration[]', fn: 'Services.Get' },
  'GET /v1/node/pools': { type: 'NodePool[]', fn: 'NodePools.List' },
  'GET /v1/node/pool/:name': { type: 'NodePool', fn: 'NodePools.Info' },
  // a key with `?k=v` is that endpoint with that query value (the same path answers another type)
  'GET /v1/volumes?type=csi': { type: 'CSIVolumeListStub[]', fn: 'CSIVolumes.List' },
  'GET /v1/volumes?type=host': { type: 'HostVolumeStub[]', fn: 'HostVolumes.List', since: 'v1.10.5' },
  'GET /v1/volume/host/:id': { type: 'HostVolume', fn: 'HostVolumes.Get', since: 'v1.10.5' },
  'GET /v1/volume/csi/:id': { type: 'CSIVolume', fn: 'CSIVolumes.Info' },
  'GET /v1/plugins': { type: 'CSIPluginListStub[]', fn: 'CSIPlugins.List' },
  'GET /v1/plugin/csi/:id': { type: 'CSIPlugin', fn: 'CSIPlugins.Info' },
  // a websocket: JSON text frames of ExecStreamingOutput (api/allocations_exec.go startReceiving)
  'GET /v1/client/allocation/:id/exec': { type: 'stream:ExecStreamingOutput', fn: 'execSession.startReceiving' },
  'GET /v1/evaluations': { type: 'Evaluation[]', fn: 'Evaluations.List' },
  'GET /v1/evaluation/:id': { type: 'Evaluation', fn: 'Evaluations.Info' },
  'GET /v1/deployments': { type: 'Deployment[]', fn: 'Deployments.List' },
  'GET /v1/deployment/:id': { type: 'Deployment', fn: 'Deployments.Info' },
  'GET /v1/deployment/allocations/:id': { type: 'AllocationListStub[]', fn: 'Deployments.Allocations' },
  'PUT /v1/deployment/promote/:id': { type: 'DeploymentUpdateResponse', fn: 'Deployments.PromoteGroups' },
  'PUT /v1/deployment/fail/:id': { type: 'DeploymentUpdateResponse', fn: 'Deployments.Fail' },
  'PUT /v1/deployment/pause/:id': { type: 'DeploymentUpdateResponse', fn: 'Deployments.Pause' },
  'PUT /v1/deployment/unblock/:id': { type: 'DeploymentUpdateResponse', fn: 'Deployments.Unblock' },
  'PUT /v1/deployment/allocation-health/:id': { type: 'DeploymentUpdateResponse', fn: 'Deployments.SetAllocHealth' },
  // NodeIndexSort is []*NodeListStub (nodes.go)
  'GET /v1/nodes': { type: 'NodeListStub[]', fn: 'Nodes.List', via: 'var resp NodeIndexSort' },
  'GET /v1/node/:id': { type: 'Node', fn: 'Nodes.Info' },
  'GET /v1/node/:id/allocations': { type: 'Allocation[]', fn: 'Nodes.Allocations' },
  'PUT /v1/node/:id/drain': { type: 'NodeDrainUpdateResponse', fn: 'Nodes.UpdateDrainOpts' },
  'PUT /v1/node/:id/eligibility': { type: 'NodeEligibilityUpdateResponse', fn: 'Nodes.ToggleEligibility' },
  'GET /v1/namespaces': { type: 'Namespace[]', fn: 'Namespaces.List' },
  'GET /v1/namespace/:name': { type: 'Namespace', fn: 'Namespaces.Info' },
  'GET /v1/vars': { type: 'VariableMetadata[]', fn: 'Variables.List' },
  'GET /v1/var/:path*': { type: 'Variable', fn: 'Variables.Read' },
  'PUT /v1/var/:path*': { type: 'Variable', fn: 'Variables.Update' },
  // Variables.Delete checks for 204 No Content and reads no body
  'DELETE /v1/var/:path*': { type: 'empty', fn: 'Variables.deleteInternal', via: 'http.StatusNoContent' },
  'GET /v1/acl/token/self': { type: 'ACLToken', fn: 'ACLTokens.Self' },
  'GET /v1/acl/policies': { type: 'ACLPolicyListStub[]', fn: 'ACLPolicies.List' },
  // single sign-on (src/host/oauth/nomad-login.ts): the api client PUTs; Nomad's handler takes PUT or POST (command/agent/acl_endpoint.go ACLLoginRequest)
  'POST /v1/acl/login': { type: 'ACLToken', fn: 'ACLAuth.Login' },
  // the Nomad side of single sign-on, as the README sets it up (the simulator serves them; the product does not call them)
  'PUT /v1/acl/auth-method': { type: 'ACLAuthMethod', fn: 'ACLAuthMethods.Create' },
  'PUT /v1/acl/binding-rule': { type: 'ACLBindingRule', fn: 'ACLBindingRules.Create' },
  'GET /v1/acl/policy/:name': { type: 'ACLPolicy', fn: 'ACLPolicies.Info' },
  'GET /v1/acl/tokens': { type: 'ACLTokenListStub[]', fn: 'ACLTokens.List' },
  'GET /v1/acl/token/:id': { type: 'ACLToken', fn: 'ACLTokens.Info' },
  'GET /v1/acl/roles': { type: 'ACLRoleListStub[]', fn: 'ACLRoles.List' },
  'GET /v1/acl/role/:id': { type: 'ACLRole', fn: 'ACLRoles.Get' },
  'GET /v1/acl/auth-methods': { type: 'ACLAuthMethodListStub[]', fn: 'ACLAuthMethods.List' },
  'GET /v1/acl/auth-method/:name': { type: 'ACLAuthMethod', fn: 'ACLAuthMethods.Get' },
  'GET /v1/acl/binding-rules': { type: 'ACLBindingRuleListStub[]', fn: 'ACLBindingRules.List' },
  'GET /v1/acl/binding-rule/:id': { type: 'ACLBindingRule', fn: 'ACLBindingRules.Get' },
  // the Go client reads a 429 (unhealthy) as an error; Nomad sends the same report with it (operator_endpoint.go ~246)
  'GET /v1/operator/autopilot/health': { type: 'OperatorHealthReply', fn: 'Operator.AutopilotServerHealth' },
  'GET /v1/operator/raft/configuration': { type: 'RaftConfiguration', fn: 'Operator.RaftGetConfiguration' },
  'GET /v1/operator/scheduler/configuration': { type: 'SchedulerConfigurationResponse', fn: 'Operator.SchedulerGetConfiguration' },
  // Enterprise only: Nomad CE answers 501 (command/agent/http_ce.go)
  'GET /v1/quotas': { type: 'QuotaSpec[]', fn: 'Quotas.List' },
  'GET /v1/quota/:name': { type: 'QuotaSpec', fn: 'Quotas.Info' },
  'GET /v1/scaling/policies': { type: 'ScalingPolicyListStub[]', fn: 'Scaling.ListPolicies' },
  'GET /v1/scaling/policy/:id': { type: 'ScalingPolicy', fn: 'Scaling.GetPolicy' },
  'GET /v1/status/leader': { type: 'string', fn: 'Status.Leader', via: 'var resp string' },
  'GET /v1/status/peers': { type: 'string[]', fn: 'Status.Peers', via: 'var resp []string' },
  'GET /v1/regions': { type: 'string[]', fn: 'Regions.List', via: 'var resp []string' },
  'GET /v1/agent/self': { type: 'AgentSelf', fn: 'Agent.Self' },
  'GET /v1/agent/members': { type: 'ServerMembers', fn: 'Agent.Members' },
  'GET /v1/agent/monitor': { type: 'stream:StreamFrame', fn: 'Agent.Monitor' },
  'POST /v1/search/fuzzy': { type: 'FuzzySearchResponse', fn: 'Search.FuzzySearch' },
  'GET /v1/event/stream': { type: 'stream:Events', fn: 'EventStream.Stream' },
};

/**
 * Newer API files read at their own tag for the endpoints marked `since` (git sources only): their
 * types are added when the main ref lacks them, so the contract covers endpoints newer than the
 * version it is generated from (dynamic host volumes: Nomad 1.10).
 */
const NEWER_FILES = [{ ref: 'v1.10.5', file: 'api/host_volumes.go' }];

/**
 * Types whose JSON differs from their fields because of a hand-written MarshalJSON/UnmarshalJSON.
 * Each entry replaces fields; the script fails on a type with such methods that has no entry here.
 */
const CUSTOM_JSON = {
  ACLToken: {
    why: 'acl.go ACLToken.MarshalJSON sends ExpirationTTL as duration text ("2m", "" for none); UnmarshalJSON takes text or a number of ns',
    fields: { ExpirationTTL: { type: 'string', format: 'duration-text', go: 'time.Duration' } },
  },
  ACLAuthMethod: {
    why: 'acl.go ACLAuthMethod.MarshalJSON sends MaxTokenTTL as duration text',
    fields: { MaxTokenTTL: { type: 'string', format: 'duration-text', go: 'time.Duration' } },
  },
  ACLAuthMethodConfig: {
    why: 'acl.go ACLAuthMethodConfig.MarshalJSON sends ExpirationLeeway, NotBeforeLeeway, ClockSkewLeeway as duration text',
    fields: {
      ExpirationLeeway: { type: 'string', format: 'duration-text', go: 'time.Duration' },
      NotBeforeLeeway: { type: 'string', format: 'duration-text', go: 'time.Duration' },
      ClockSkewLeeway: { type: 'string', format: 'duration-text', go: 'time.Duration' },
    },
  },
  AutopilotConfiguration: {
    why: 'operator_autopilot.go AutopilotConfiguration.MarshalJSON sends LastContactThreshold and ServerStabilizationTime as duration text',
    fields: {
      LastContactThreshold: { type: 'string', format: 'duration-text', go: 'time.Duration' },
      ServerStabilizationTime: { type: 'string', format: 'duration-text', go: 'time.Duration' },
    },
  },
  NodePool: {
    why: 'node_pools.go NodePool.MarshalJSON sends NodeIdentityTTL as duration text (Nomad 2.0+)',
    fields: { NodeIdentityTTL: { type: 'string', format: 'duration-text', go: 'time.Duration' } },
  },
  ServerHealth: {
    why: 'operator_autopilot.go ServerHealth.MarshalJSON sends LastContact as duration text',
    fields: { LastContact: { type: 'string', format: 'duration-text', go: 'time.Duration' } },
  },
};

/**
 * api.QueryMeta and api.WriteMeta are filled from the X-Nomad-* headers (api.go parseQueryMeta,
 * parseWriteMeta), not from the body. A response that embeds them carries, in its body, the
 * server's nomad/structs QueryMeta / WriteMeta instead: those are read from nomad/structs/structs.go.
 */
const SERVER_ENVELOPES = { QueryMeta: 'QueryMeta', WriteMeta: 'WriteMeta' };

/**
 * The server encodes nomad/structs types, and the Go client declares only the fields it uses: a
 * body may carry more than the api type names (JobListStub.NodePool, Evaluation.LeaderACL…). For
 * each api type reachable from an endpoint, its nomad/structs counterpart (same name unless listed
 * here) is kept as `structs.<Name>` and linked in `server`, so the tests can tell a field real
 * Nomad sends from one a simulator invents.
 */
const SERVER_NAMES = {
  AllocationListStub: 'AllocListStub',
  AgentMember: 'ServerMember',
  ServerMembers: 'ServerMembersResponse',
  periodicForceResponse: 'PeriodicForceResponse',
};

/** Where the server's types live: nomad/structs, and client/structs for the client endpoints (stats). */
const SERVER_PACKAGES = [
  { dir: 'nomad/structs', pkg: 'structs' },
  { dir: 'client/structs', pkg: 'cstructs' },
];

/** Server-side JSON that differs from the structs' fields (encoding extensions, hand-written marshalers). */
const STRUCTS_JSON = {
  'structs.Node': {
    why: 'nomad/structs/extensions.go nodeExt adds the legacy Drain (DrainStrategy != nil) to every encoded Node',
    fields: { Drain: { type: 'boolean', go: 'bool' } },
  },
  'structs.ACLToken': {
    why: 'nomad/structs/acl.go ACLToken.MarshalJSON sends ExpirationTTL as duration text',
    fields: { ExpirationTTL: { type: 'string', format: 'duration-text', go: 'time.Duration' } },
  },
};

/** nomad/structs files not read: generated codecs, test fixtures. */
const STRUCTS_SKIP = /(_test|\.generated|^testing)\.go$|^testing\.go$/;

// ---------------------------------------------------------------------------------------------
// Reading the source

function parseArgs(argv) {
  const opts = { src: undefined, ref: 'HEAD', out: 'test/contract/nomad-api.json', version: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ref') opts.ref = argv[++i];
    else if (a === '--out') opts.out = argv[++i];
    else if (a === '--version') opts.version = argv[++i];
    else if (!opts.src) opts.src = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!opts.src) throw new Error('usage: node scripts/nomad-contract.mjs <nomad git dir | dir with api/*.go> [--ref REF] [--out FILE]');
  return opts;
}

function isGitDir(dir) {
  try {
    execFileSync('git', ['-C', dir, 'rev-parse', '--git-dir'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** A source: list files under a folder and read one, from git (ref) or from a plain directory. */
function openSource(opts) {
  if (isGitDir(opts.src)) {
    const git = (...args) => execFileSync('git', ['-C', opts.src, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const commit = git('rev-parse', `${opts.ref}^{commit}`).trim();
    let describe = '';
    try {
      describe = execFileSync('git', ['-C', opts.src, 'describe', '--tags', '--exact-match', commit], { encoding: 'utf8', stdio: 'pipe' }).trim();
    } catch {
      describe = git('describe', '--tags', '--always', commit).trim();
    }
    return {
      label: `hashicorp/nomad ${describe} (${commit})`,
      describe,
      list: (dir) => git('ls-tree', '--name-only', commit, `${dir}/`).split('\n').filter(Boolean).map((p) => path.posix.basename(p)),
      read: (file) => {
        try {
          return git('show', `${commit}:${file}`);
        } catch {
          return undefined;
        }
      },
      readAt: (ref, file) => {
        try {
          return git('show', `${ref}:${file}`);
        } catch {
          return undefined;
        }
      },
    };
  }
  const root = existsSync(path.join(opts.src, 'api')) ? opts.src : path.dirname(opts.src);
  return {
    label: `directory ${path.resolve(root)}`,
    describe: undefined,
    list: (dir) => (existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)) : []),
    read: (file) => (existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8') : undefined),
  };
}

/** Nomad's version from version/version.go (Version + VersionPrerelease), or the tag. */
function nomadVersion(source, opts) {
  if (opts.version) return opts.version;
  const text = source.read('version/version.go');
  const v = text && /\bVersion\s*=\s*"([^"]+)"/.exec(text)?.[1];
  const pre = text && /\bVersionPrerelease\s*=\s*"([^"]*)"/.exec(text)?.[1];
  if (v) return pre ? `${v}-${pre}` : v;
  return source.describe ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------
// A small Go tokenizer and declaration parser

function tokenize(src) {
  const toks = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      toks.push({ t: 'nl', v: '\n', pos: i });
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const body = src.slice(i, end < 0 ? n : end);
      if (body.includes('\n')) toks.push({ t: 'nl', v: '\n', pos: i });
      i = end < 0 ? n : end + 2;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      toks.push({ t: 'str', v: src.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      toks.push({ t: c === '"' ? 'str' : 'rune', v: src.slice(i + 1, j), pos: i });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(src[j])) j++;
      toks.push({ t: 'id', v: src.slice(i, j), pos: i });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(src[j])) j++;
      toks.push({ t: 'num', v: src.slice(i, j), pos: i });
      i = j;
    } else if (src.startsWith('...', i)) {
      toks.push({ t: 'op', v: '...', pos: i });
      i += 3;
    } else if (src.startsWith('<-', i)) {
      toks.push({ t: 'op', v: '<-', pos: i });
      i += 2;
    } else {
      toks.push({ t: 'op', v: c, pos: i });
      i++;
    }
  }
  return toks;
}

const OPEN = { '(': ')', '[': ']', '{': '}' };

class Parser {
  constructor(src, file, pkg) {
    this.src = src;
    this.file = file;
    this.pkg = pkg;
    this.toks = tokenize(src);
    this.i = 0;
  }
  peek(k = 0) {
    return this.toks[this.i + k];
  }
  next() {
    return this.toks[this.i++];
  }
  is(v, k = 0) {
    const t = this.peek(k);
    return t !== undefined && t.v === v && t.t !== 'str';
  }
  expect(v) {
    const t = this.next();
    if (!t || t.v !== v) throw new Error(`${this.file}: expected "${v}" near offset ${t?.pos}, got "${t?.v}"`);
    return t;
  }
  skipNl() {
    while (this.peek() && (this.peek().t === 'nl' || this.is(';'))) this.i++;
  }
  /** Skips a balanced bracket group starting at the current token; answers the closing token. */
  skipGroup() {
    const open = this.next().v;
    const stack = [OPEN[open]];
    while (stack.length) {
      const t = this.next();
      if (!t) throw new Error(`${this.file}: unbalanced ${open}`);
      if (t.t === 'op' && OPEN[t.v]) stack.push(OPEN[t.v]);
      else if (t.t === 'op' && t.v === stack[stack.length - 1]) stack.pop();
      if (!stack.length) return t;
    }
  }

  /** Top level: `type` declarations and method declarations (for the endpoint citations). */
  parseFile() {
    const types = [];
    const funcs = [];
    let depth = 0;
    while (this.i < this.toks.length) {
      const t = this.peek();
      if (t.t === 'op' && OPEN[t.v]) {
        depth++;
        this.i++;
      } else if (t.t === 'op' && (t.v === ')' || t.v === ']' || t.v === '}')) {
        depth--;
        this.i++;
      } else if (depth === 0 && t.t === 'id' && t.v === 'type') {
        this.i++;
        if (this.is('(')) {
          this.i++;
          for (;;) {
            this.skipNl();
            if (this.is(')')) {
              this.i++;
              break;
            }
            types.push(this.parseTypeSpec());
          }
        } else types.push(this.parseTypeSpec());
      } else if (depth === 0 && t.t === 'id' && t.v === 'func' && (this.i === 0 || this.toks[this.i - 1].t === 'nl')) {
        funcs.push(this.parseFuncDecl());
      } else this.i++;
    }
    return { types, funcs };
  }

  parseFuncDecl() {
    this.expect('func');
    let recv;
    if (this.is('(')) {
      const start = this.i;
      this.skipGroup();
      const ids = this.toks.slice(start, this.i).filter((x) => x.t === 'id').map((x) => x.v);
      recv = ids[ids.length - 1];
    }
    const name = this.next().v;
    if (this.is('[')) this.skipGroup();
    this.skipGroup(); // params
    // results, up to the body
    while (this.peek() && !this.is('{') && this.peek().t !== 'nl') {
      if (this.peek().t === 'op' && OPEN[this.peek().v]) this.skipGroup();
      else this.i++;
    }
    let body = '';
    if (this.is('{')) {
      const open = this.peek();
      const close = this.skipGroup();
      body = this.src.slice(open.pos, close.pos + 1);
    }
    return { recv, name, body, file: this.file };
  }

  parseTypeSpec() {
    const name = this.next().v;
    // type parameters: `[T any]` (an array type would be `[N]T` or `[]T`)
    if (this.is('[') && this.peek(1)?.t === 'id' && !this.is(']', 2)) this.skipGroup();
    let alias = false;
    if (this.is('=')) {
      this.i++;
      alias = true;
    }
    const type = this.parseType();
    return { name, alias, type, file: this.file, pkg: this.pkg };
  }

  parseType() {
    const t = this.next();
    if (!t) throw new Error(`${this.file}: type expected at end of file`);
    if (t.t === 'op') {
      if (t.v === '*') return { k: 'ptr', elem: this.parseType() };
      if (t.v === '[') {
        if (this.is(']')) {
          this.i++;
          return { k: 'slice', elem: this.parseType() };
        }
        while (!this.is(']')) this.i++;
        this.i++;
        return { k: 'array', elem: this.parseType() };
      }
      if (t.v === '(') {
        const inner = this.parseType();
        this.expect(')');
        return inner;
      }
      if (t.v === '<-') {
        this.expect('chan');
        this.parseType();
        return { k: 'chan' };
      }
      throw new Error(`${this.file}: unexpected "${t.v}" in a type near offset ${t.pos}`);
    }
    if (t.v === 'struct') return { k: 'struct', fields: this.parseStructBody() };
    if (t.v === 'interface') {
      this.skipGroup();
      return { k: 'any' };
    }
    if (t.v === 'map') {
      this.expect('[');
      const key = this.parseType();
      this.expect(']');
      return { k: 'map', key, elem: this.parseType() };
    }
    if (t.v === 'chan') {
      if (this.is('<-')) this.i++;
      this.parseType();
      return { k: 'chan' };
    }
    if (t.v === 'func') {
      this.skipGroup();
      const nt = this.peek();
      if (nt && nt.t === 'op' && nt.v === '(') this.skipGroup();
      else if (nt && (nt.t === 'id' || (nt.t === 'op' && (nt.v === '*' || nt.v === '[')))) this.parseType();
      return { k: 'func' };
    }
    let name = t.v;
    let pkg;
    if (this.is('.')) {
      this.i++;
      pkg = name;
      name = this.next().v;
    }
    if (this.is('[') && !this.is(']', 1)) this.skipGroup(); // generic instantiation
    return { k: 'named', pkg, name };
  }

  parseStructBody() {
    this.expect('{');
    const fields = [];
    for (;;) {
      this.skipNl();
      if (this.is('}')) {
        this.i++;
        return fields;
      }
      const t = this.peek();
      let names = [];
      let type;
      let embedded = false;
      if (t.t === 'op' && t.v === '*') {
        type = this.parseType();
        embedded = true;
      } else if (t.t === 'id') {
        const after = this.peek(1);
        if (after && after.v === ',' && after.t === 'op') {
          names.push(this.next().v);
          while (this.is(',')) {
            this.i++;
            names.push(this.next().v);
          }
          type = this.parseType();
        } else if (after && after.t === 'op' && after.v === '.') {
          type = this.parseType();
          embedded = true;
        } else if (!after || after.t === 'nl' || after.t === 'str' || (after.t === 'op' && (after.v === ';' || after.v === '}'))) {
          type = this.parseType();
          embedded = true;
        } else {
          names.push(this.next().v);
          type = this.parseType();
        }
      } else throw new Error(`${this.file}: unexpected "${t.v}" in a struct near offset ${t.pos}`);
      let tag = '';
      if (this.peek()?.t === 'str') tag = this.next().v;
      if (embedded) names = [type.k === 'ptr' ? type.elem.name : type.name];
      for (const name of names) fields.push({ name, type, tag, embedded });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Go types → JSON types

const NUMBERS = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr', 'float32', 'float64', 'byte', 'rune']);

function goText(t) {
  switch (t.k) {
    case 'ptr':
      return `*${goText(t.elem)}`;
    case 'slice':
      return `[]${goText(t.elem)}`;
    case 'array':
      return `[N]${goText(t.elem)}`;
    case 'map':
      return `map[${goText(t.key)}]${goText(t.elem)}`;
    case 'named':
      return t.pkg ? `${t.pkg}.${t.name}` : t.name;
    case 'struct':
      return 'struct{…}';
    case 'any':
      return 'interface{}';
    default:
      return t.k;
  }
}

function jsonTag(tag) {
  const m = /(?:^|\s)json:"([^"]*)"/.exec(tag);
  if (!m) return { name: undefined, omitempty: false, string: false, skip: false };
  const [name, ...opts] = m[1].split(',');
  return { name: name || undefined, omitempty: opts.includes('omitempty'), string: opts.includes('string'), skip: name === '-' && opts.length === 0 };
}

function build(decls, serverEnvelopes) {
  /** name (or pkg.name) → declaration */
  const byName = new Map(decls.map((d) => [d.pkg === 'api' ? d.name : `${d.pkg}.${d.name}`, d]));
  const types = {};
  const synthetic = [];

  function lookup(t, pkg) {
    if (t.k !== 'named') return undefined;
    if (t.pkg) return byName.get(`${t.pkg}.${t.name}`);
    return byName.get(pkg === 'api' ? t.name : `${pkg}.${t.name}`);
  }

  /** The JSON descriptor of a Go type; `owner` names inline structs. */
  function desc(t, pkg, owner, seen = new Set()) {
    switch (t.k) {
      case 'ptr': {
        const d = desc(t.elem, pkg, owner, seen);
        return d && { ...d, nullable: true, go: goText(t) };
      }
      case 'slice': {
        if (t.elem.k === 'named' && !t.elem.pkg && (t.elem.name === 'byte' || t.elem.name === 'uint8')) {
          return { type: 'string', format: 'base64', nullable: true, go: goText(t) };
        }
        const of = desc(t.elem, pkg, owner, seen);
        return of && { type: 'array', of: strip(of), nullable: true, go: goText(t) };
      }
      case 'array': {
        const of = desc(t.elem, pkg, owner, seen);
        return of && { type: 'array', of: strip(of), go: goText(t) };
      }
      case 'map': {
        const of = desc(t.elem, pkg, owner, seen);
        return of && { type: 'object', of: strip(of), nullable: true, go: goText(t) };
      }
      case 'any':
        return { type: 'any', nullable: true, go: 'interface{}' };
      case 'struct': {
        const name = owner;
        synthetic.push({ name, pkg, type: t });
        return { type: 'object', ref: name, go: 'struct{…}' };
      }
      case 'func':
      case 'chan':
        return undefined;
      case 'named': {
        const full = goText(t);
        if (!t.pkg) {
          if (t.name === 'string') return { type: 'string', go: full };
          if (t.name === 'bool') return { type: 'boolean', go: full };
          if (NUMBERS.has(t.name)) return { type: 'number', go: full };
          if (t.name === 'any' || t.name === 'error') return { type: 'any', nullable: true, go: full };
        }
        if (full === 'time.Time') return { type: 'string', format: 'date-time', go: full };
        if (full === 'time.Duration') return { type: 'number', format: 'duration-ns', go: full };
        const d = lookup(t, pkg);
        if (!d) return { type: 'any', nullable: true, go: full };
        if (d.type.k === 'struct') return { type: 'object', ref: d.pkg === 'api' ? d.name : `${d.pkg}.${d.name}`, go: full };
        if (seen.has(full)) return { type: 'any', nullable: true, go: full };
        const under = desc(d.type, d.pkg, `${d.name}`, new Set([...seen, full]));
        return under && { ...under, go: full };
      }
      default:
        return undefined;
    }
  }

  /** Element descriptors keep what matters for checking (go text of elements is redundant). */
  function strip(d) {
    const { go, ...rest } = d;
    void go;
    return rest;
  }

  /** The JSON fields of a struct, with embedded structs flattened as encoding/json does. */
  function fieldsOf(structType, pkg, typeName, depth = 0, seen = new Set()) {
    const out = [];
    for (const f of structType.fields) {
      const tag = jsonTag(f.tag);
      if (tag.skip) continue;
      if (f.embedded && !tag.name) {
        const inner = f.type.k === 'ptr' ? f.type.elem : f.type;
        const envelope = pkg === 'api' && !inner.pkg && serverEnvelopes[inner.name];
        if (envelope) {
          for (const sf of envelope.fields) out.push({ ...sf, depth: depth + 1, origin: 'nomad/structs/structs.go' });
          continue;
        }
        const d = lookup(inner, pkg);
        if (d && d.type.k === 'struct' && !seen.has(d.name)) {
          out.push(...fieldsOf(d.type, d.pkg, d.name, depth + 1, new Set([...seen, d.name])));
          continue;
        }
      }
      if (!f.embedded && !/^[A-Z]/.test(f.name)) continue; // unexported
      const name = tag.name ?? f.name;
      let d = desc(f.type, pkg, `${typeName}.${f.name}`);
      if (!d) continue; // func and chan fields cannot be JSON
      if (tag.string && (d.type === 'number' || d.type === 'boolean')) d = { ...d, type: 'string' };
      if (tag.omitempty) d = { ...d, omitempty: true };
      out.push({ name, desc: d, depth, tagged: tag.name !== undefined });
    }
    return out;
  }

  /** encoding/json's dominant-field rule: the shallowest wins; a tie is won by the only tagged one, else dropped. */
  function resolveFields(list) {
    const groups = new Map();
    for (const f of list) {
      if (!groups.has(f.name)) groups.set(f.name, []);
      groups.get(f.name).push(f);
    }
    const fields = {};
    for (const [name, group] of groups) {
      const min = Math.min(...group.map((f) => f.depth));
      const top = group.filter((f) => f.depth === min);
      const tagged = top.filter((f) => f.tagged);
      const winner = top.length === 1 ? top[0] : tagged.length === 1 ? tagged[0] : undefined;
      if (winner) fields[name] = winner.desc;
    }
    return fields;
  }

  for (const d of decls) {
    if (d.type.k !== 'struct' || d.alias) continue;
    const name = d.pkg === 'api' ? d.name : `${d.pkg}.${d.name}`;
    types[name] = resolveFields(fieldsOf(d.type, d.pkg, d.name, 0, new Set([d.name])));
  }
  while (synthetic.length) {
    const s = synthetic.shift();
    types[s.name] = resolveFields(fieldsOf(s.type, s.pkg, s.name));
  }
  return types;
}

// ---------------------------------------------------------------------------------------------

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const source = openSource(opts);
  const decls = [];
  const funcs = [];
  const files = [
    ...source.list('api').filter((f) => f.endsWith('.go') && !f.endsWith('_test.go')).map((f) => ({ file: `api/${f}`, pkg: 'api' })),
    ...source.list('api/contexts').filter((f) => f.endsWith('.go') && !f.endsWith('_test.go')).map((f) => ({ file: `api/contexts/${f}`, pkg: 'contexts' })),
  ];
  if (!files.length) throw new Error(`no api/*.go found in ${source.label}`);
  for (const { file, pkg } of files) {
    const parsed = new Parser(source.read(file), file, pkg).parseFile();
    decls.push(...parsed.types);
    funcs.push(...parsed.funcs);
  }

  // the server's envelopes (see SERVER_ENVELOPES)
  // the server's envelopes (see SERVER_ENVELOPES); a copy of api/ alone has no server types
  const structsText = source.read('nomad/structs/structs.go');
  if (!structsText) console.error('nomad-contract: no nomad/structs/ beside api/: the contract gets no server types, and responses no envelope fields');
  const structsDecls = structsText ? new Parser(structsText, 'nomad/structs/structs.go', 'structs').parseFile().types : [];
  const serverEnvelopes = {};
  for (const [apiName, structsName] of Object.entries(SERVER_ENVELOPES)) {
    const d = structsDecls.find((x) => x.name === structsName && x.type.k === 'struct');
    if (!d && structsText) throw new Error(`nomad/structs/structs.go has no ${structsName}`);
    // only builtin field types here (uint64, time.Duration, bool, string): no package lookups needed
    const resolved = d ? build([{ name: structsName, pkg: 'api', type: d.type }], {})[structsName] : {};
    const fields = Object.entries(resolved).map(([name, desc]) => ({ name, desc, tagged: false }));
    serverEnvelopes[apiName] = { fields };
  }

  const newer = [];
  for (const { ref, file } of NEWER_FILES) {
    const text = source.readAt?.(ref, file);
    if (!text) {
      console.error(`nomad-contract: ${file} at ${ref} not readable: endpoints since ${ref} are left out`);
      continue;
    }
    const parsed = new Parser(text, `${file}@${ref}`, 'api').parseFile();
    const known = new Set(decls.map((d) => d.name));
    decls.push(...parsed.types.filter((d) => !known.has(d.name)));
    funcs.push(...parsed.funcs.filter((f) => !funcs.some((g) => g.recv === f.recv && g.name === f.name)));
    newer.push(ref);
  }

  const types = build(decls, serverEnvelopes);

  // the server's own types (see SERVER_NAMES)
  const serverDecls = [];
  for (const { dir, pkg } of SERVER_PACKAGES) {
    for (const f of source.list(dir).filter((n) => n.endsWith('.go') && !STRUCTS_SKIP.test(n))) {
      // client/structs names nomad/structs as `structs.X`, which is how those are keyed
      serverDecls.push(...new Parser(source.read(`${dir}/${f}`), `${dir}/${f}`, pkg).parseFile().types);
    }
  }
  const serverTypes = build(serverDecls, {});
  const applied = {};
  for (const [name, c] of Object.entries(STRUCTS_JSON)) {
    if (!serverTypes[name]) continue;
    Object.assign(serverTypes[name], c.fields);
    applied[name] = c.why;
  }
  const refsOf = (fields) => {
    const out = [];
    const walk = (d) => {
      if (d.ref) out.push(d.ref);
      if (d.of) walk(d.of);
    };
    Object.values(fields).forEach(walk);
    return out;
  };
  const reach = (roots, table) => {
    const seen = new Set();
    const todo = [...roots];
    while (todo.length) {
      const n = todo.pop();
      if (seen.has(n) || !table[n]) continue;
      seen.add(n);
      todo.push(...refsOf(table[n]));
    }
    return seen;
  };
  const endpointRoots = Object.values(ENDPOINTS).map((e) => e.type.replace(/^(stream|map):/, '').replace(/(\[\]|\?)$/, ''));
  const server = {};
  for (const name of [...reach(endpointRoots, types)].sort()) {
    const counterpart = SERVER_PACKAGES.map((p) => `${p.pkg}.${SERVER_NAMES[name] ?? name}`).find((n) => serverTypes[n]);
    if (counterpart) server[name] = counterpart;
  }
  for (const name of reach(Object.values(server), serverTypes)) types[name] = serverTypes[name];
  const nServer = Object.keys(types).filter((k) => SERVER_PACKAGES.some((p) => k.startsWith(`${p.pkg}.`))).length;

  // hand-written (un)marshalers
  const custom = new Set(funcs.filter((f) => f.name === 'MarshalJSON' || f.name === 'UnmarshalJSON').map((f) => f.recv));
  const problems = [];
  for (const t of custom) {
    if (!CUSTOM_JSON[t]) problems.push(`${t} has a custom MarshalJSON/UnmarshalJSON: describe its JSON in CUSTOM_JSON`);
    else {
      Object.assign(types[t], CUSTOM_JSON[t].fields);
      applied[t] = CUSTOM_JSON[t].why;
    }
  }

  // the endpoint table: each cited function exists and names its type
  const endpoints = {};
  const decodedBy = {};
  for (const [key, e] of Object.entries(ENDPOINTS)) {
    if (e.since && !newer.includes(e.since)) continue;
    const base = e.type.replace(/^(stream|map):/, '').replace(/(\[\]|\?)$/, '');
    const needle = e.via ?? base;
    const fns = e.fn.split('|').map((alt) => {
      const [recv, name] = alt.split('.');
      return { alt, fn: funcs.find((f) => f.name === name && f.recv === recv) };
    });
    const fn = fns.find((x) => x.fn && x.fn.body.includes(needle)) ?? fns.find((x) => x.fn);
    if (!fn) {
      problems.push(`${key}: no function ${e.fn} in api/`);
      continue;
    }
    if (!['empty', 'bytes', 'string', 'string[]'].includes(e.type) && !types[base]) problems.push(`${key}: no type ${base} in api/`);
    if (!fn.fn.body.includes(needle)) problems.push(`${key}: ${e.fn} (${fn.fn.file}) does not mention ${needle}`);
    endpoints[key] = e.type;
    decodedBy[key] = `${fn.fn.file} ${fn.alt}${e.since ? ` (since ${e.since})` : ''}`;
  }
  if (problems.length) {
    for (const p of problems) console.error(`nomad-contract: ${p}`);
    process.exit(1);
  }

  const sorted = Object.fromEntries(Object.keys(types).sort().map((k) => [k, types[k]]));
  const out = {
    nomadVersion: nomadVersion(source, opts),
    source: source.label,
    generatedBy: 'scripts/nomad-contract.mjs',
    notes: {
      types: 'Field → { type: string|number|boolean|array|object|any, of: element or map value, ref: struct type, nullable: may be JSON null, omitempty, format, go: the Go type }',
      envelopes: 'api.QueryMeta/WriteMeta come from X-Nomad-* headers (api.go parseQueryMeta/parseWriteMeta); response bodies carry nomad/structs QueryMeta/WriteMeta (Index, LastContact, KnownLeader, NextToken) instead',
      customJson: Object.fromEntries(Object.keys(applied).sort().map((k) => [k, applied[k]])),
      server: 'server: api type → its server counterpart (types "structs.*" from nomad/structs, "cstructs.*" from client/structs): what the server encodes, a superset of the fields the Go client declares',
    },
    endpoints,
    decodedBy,
    server,
    types: sorted,
  };
  writeFileSync(opts.out, format(out));
  console.log(`nomad-contract: Nomad ${out.nomadVersion} from ${out.source}: ${Object.keys(sorted).length - nServer} api types, ${nServer} server types (nomad/structs, client/structs), ${Object.keys(endpoints).length} endpoints → ${opts.out}`);
}

/** JSON with one type field per line: readable diffs when Nomad changes. */
function format(out) {
  const lines = ['{'];
  const top = Object.entries(out);
  top.forEach(([k, v], i) => {
    const comma = i < top.length - 1 ? ',' : '';
    if (k === 'types') {
      lines.push(`  "types": {`);
      const names = Object.keys(v);
      names.forEach((name, j) => {
        const fields = Object.entries(v[name]);
        const tc = j < names.length - 1 ? ',' : '';
        if (!fields.length) {
          lines.push(`    ${JSON.stringify(name)}: {}${tc}`);
          return;
        }
        lines.push(`    ${JSON.stringify(name)}: {`);
        fields.forEach(([f, d], m) => lines.push(`      ${JSON.stringify(f)}: ${JSON.stringify(d)}${m < fields.length - 1 ? ',' : ''}`));
        lines.push(`    }${tc}`);
      });
      lines.push(`  }${comma}`);
    } else if (v && typeof v === 'object') {
      lines.push(`  ${JSON.stringify(k)}: {`);
      const entries = Object.entries(v);
      entries.forEach(([a, b], j) => lines.push(`    ${JSON.stringify(a)}: ${JSON.stringify(b)}${j < entries.length - 1 ? ',' : ''}`));
      lines.push(`  }${comma}`);
    } else lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)}${comma}`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

main();
