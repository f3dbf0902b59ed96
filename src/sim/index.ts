/**
 * Nomad HTTP API simulator (plus a sliver of Gitea), for tests and `nomad-mcp sim`. It plays
 * Nomad 1.9 from an in-memory state and shares no code with the product, so that it catches the
 * product's mistakes instead of repeating them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AclSetup, applyAclSetup, registerTokens } from './acl.js';
import { AgentLog } from './agentlog.js';
import { attachExec, type ExecRecord, ExecTracker } from './exec.js';
import { type Env, type SimFaults, StreamTracker } from './http.js';
import { applyScenarios, checkScenarioNames } from './scenarios.js';
import { loadCluster, readClusterFile, saveCluster, writeClusterFile } from './persist.js';
import { seedState } from './seed.js';
import { handle, type RecordedRequest } from './server.js';
import { SimState } from './state.js';
import type { LogType } from './logstore.js';
import type { AclToken } from './state.js';

export type { RecordedRequest } from './server.js';
export type { EndpointFault, SimFaults } from './http.js';
export type { AclSetup, TokenSpec } from './acl.js';
export type { AclToken } from './state.js';
export type { ExecRecord } from './exec.js';
export type { SimState } from './state.js';
export { DEMO_SCENARIOS, SCENARIOS, scenarioNames } from './scenarios.js';

export interface SimOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4646; 0 picks a free port. */
  port?: number;
  /** Default 'empty' (namespace default, 3 linux nodes, a leader). */
  seed?: 'demo' | 'empty';
  /**
   * Management tokens (secrets); setting it enables ACLs. Endpoints then check the request's token
   * as Nomad does (only /v1/status/leader, /v1/status/peers and /v1/regions need none).
   */
  aclTokens?: string[];
  /** ACL policies, roles and tokens to create at start; setting it enables ACLs. */
  acl?: AclSetup;
  /** When set, /api/v1/* needs `Authorization: token <it>`. */
  giteaToken?: string;
  /** Log-follow and event-stream heartbeat period, default 1000 ms. */
  heartbeatMs?: number;
  /** How long a new evaluation stays pending before it is processed, default 30 ms (0: at once). */
  evalDelayMs?: number;
  /** How long deployments (and batch allocations) run before succeeding, default 1000 ms. */
  deploymentMs?: number;
  /**
   * Additional small batch jobs `bulk-00001`… in namespace default, already complete (one eval, one
   * allocation with a few virtual log lines each, no deployments), for scale tests. Default 0.
   */
  extraJobs?: number;
  /** Problem scenarios applied after the seed, in order (see scenarios.ts); an unknown name rejects. */
  scenarios?: string[];
  /**
   * Keep the cluster in this file between runs (persist.ts): loaded instead of the seed and scenarios
   * when it exists, saved settled at close. A damaged file rejects with a message naming it.
   */
  stateFile?: string;
  /** With stateFile: ignore the saved cluster and start from the seed (it is overwritten at close). */
  resetState?: boolean;
}

export interface Simulator {
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Mutable fault switches. */
  faults: SimFaults;
  /** Tokens created at start from `acl` (after the `aclTokens` management tokens), with their secrets. */
  createdTokens: AclToken[];
  /** Streaming responses open now (log follow, event stream, blocking queries). */
  openStreams(): number;
  /** Log bytes (decoded frame data and plain bytes) sent since start. */
  logBytesSent(): number;
  appendLog(allocId: string, task: string, type: 'stdout' | 'stderr', text: string): void;
  /** Makes a virtual log of this many bytes without allocating it. */
  setLogSize(allocId: string, task: string, type: 'stdout' | 'stderr', bytes: number): void;
  /** Alloc exec sessions: each one's command and outcome, how many are open, how many the client closed early. */
  exec: { log: ExecRecord[]; open(): number; closedByClient(): number };
  /** Writes a line to the agent's own log (GET /v1/agent/monitor). */
  agentLog(level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', name: string, msg: string, fields?: Record<string, unknown>): void;
  /** Monitors (GET /v1/agent/monitor) open now. */
  monitors(): number;
  /** The cluster was loaded from `stateFile` (not seeded). */
  restored: boolean;
  /** The internal state, for assertions. */
  readonly state: SimState;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  // Checked before listening, so a bad name never leaves a server behind.
  if (opts.scenarios) checkScenarioNames(opts.scenarios);
  const saved = opts.stateFile && !opts.resetState ? readClusterFile(opts.stateFile) : undefined;
  const state = new SimState();
  if (opts.deploymentMs !== undefined) state.deploymentMs = opts.deploymentMs;
  if (opts.evalDelayMs !== undefined) state.evalDelayMs = opts.evalDelayMs;
  const faults: SimFaults = {
    delayMs: 0, failStatus: 0, failCount: 0, resetConnection: 0, truncateBody: 0, nonJson: 0, noLeader: false, endpoints: [],
  };
  const streams = new StreamTracker();
  const env: Env = {
    state, faults, streams, heartbeatMs: opts.heartbeatMs ?? 1000, aclEnabled: opts.aclTokens !== undefined || opts.acl !== undefined, giteaToken: opts.giteaToken, url: '',
    agentLog: new AgentLog(),
  };
  const execs = new ExecTracker();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    handle(env, requests, req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(e instanceof Error ? e.message : String(e));
      } else res.destroy();
    });
  });
  attachExec(server, env, requests, execs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 4646, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  env.url = url;
  // the seed's evaluations are processed at once: the cluster starts settled
  const evalDelay = state.evalDelayMs;
  state.evalDelayMs = 0;
  if (saved) loadCluster(state, saved, url);
  else {
    seedState(state, opts.seed ?? 'empty', url, opts.extraJobs ?? 0);
    if (opts.scenarios) applyScenarios(state, opts.scenarios);
  }
  state.evalDelayMs = evalDelay;
  if (opts.aclTokens) registerTokens(state, opts.aclTokens);
  let created: AclToken[];
  try {
    created = opts.acl ? applyAclSetup(state, opts.acl) : [];
  } catch (e) {
    state.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw e;
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    requests,
    faults,
    createdTokens: created,
    restored: saved !== undefined,
    state,
    openStreams: () => streams.open,
    logBytesSent: () => state.logs.bytesSent,
    appendLog: (allocId, task, type: LogType, text) => state.logs.append(allocId, task, type, text),
    setLogSize: (allocId, task, type: LogType, bytes) => state.logs.setSize(allocId, task, type, bytes),
    exec: { log: execs.log, open: () => execs.open, closedByClient: () => execs.closedByClient },
    agentLog: (level, name, msg, fields) => env.agentLog.write(level, name, msg, fields),
    monitors: () => env.agentLog.listeners,
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (opts.stateFile) {
          try {
            state.settle();
            writeClusterFile(opts.stateFile, saveCluster(state, url));
          } catch (e) {
            process.stderr.write(`nomad simulator: the cluster could not be saved to ${opts.stateFile}: ${(e as Error).message}\n`);
          }
        }
        streams.closeAll();
        for (const ws of execs.sockets) ws.terminate();
        state.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
