/**
 * Operator reads: raft configuration, autopilot health, scheduler configuration (Nomad v1.9.7
 * command/agent/operator_endpoint.go, nomad/operator_endpoint.go), and the Enterprise-only endpoints
 * an OSS agent answers 501 (command/agent/http_ce.go registerEnterpriseHandlers).
 *
 * The simulator is one server (the one /v1/agent/members and /v1/status/peers show); tests add raft
 * peers with `addRaftPeer`, with or without a serf member, to play a cluster that lost one.
 */
import { permissionDenied } from './acl.js';
import { coded, type Ctx, HttpError, invalidMethod } from './http.js';
import type { SimState } from './state.js';

/** A raft server; `serf` is its gossip status, null when no serf member has its address. */
export interface RaftPeer {
  id: string;
  name: string;
  address: string;
  voter: boolean;
  serf: 'alive' | 'failed' | 'left' | null;
}

/** The simulator itself, as status.ts shows it (member nomad-sim.global, RPC 127.0.0.1:4647). */
const SELF: RaftPeer = { id: 'c6e4f2b4-5a1d-4f7e-9d0c-2b8f8e1a9d3e', name: 'nomad-sim.global', address: '127.0.0.1:4647', voter: true, serf: 'alive' };

const peers = new WeakMap<SimState, RaftPeer[]>();

export function raftPeers(state: SimState): RaftPeer[] {
  let list = peers.get(state);
  if (!list) peers.set(state, (list = [SELF]));
  return list;
}

/** Adds a raft server (a test's second server, or one that died without being removed). */
export function addRaftPeer(state: SimState, peer: RaftPeer): void {
  raftPeers(state).push(peer);
  state.bump();
}

/** The serf members of the extra servers (status.ts shows the simulator's own). */
export function peerMembers(state: SimState): RaftPeer[] {
  return raftPeers(state).filter((p) => p !== SELF && p.serf !== null);
}

/**
 * GET /v1/operator/raft/configuration (Operator.RaftGetConfiguration, nomad/operator_endpoint.go ~44):
 * a **management** token (IsManagement ~58), not operator:read. Node is the serf member's name, or
 * "(unknown)" when no serf member has the raft address (~85); RaftProtocol from its raft_vsn tag.
 * command/agent/operator_endpoint.go OperatorRequest: another sub-path is 404 `Invalid method`, a
 * method other than GET 405 with an empty body (OperatorRaftConfiguration ~43).
 */
export function raftRequest(ctx: Ctx, rest: string): unknown {
  if (!rest.startsWith('configuration')) throw coded(404, 'Invalid method');
  if (ctx.method !== 'GET') throw new HttpError(405, '');
  if (!ctx.acl.isManagement()) throw permissionDenied();
  return {
    Servers: raftPeers(ctx.state).map((p) => ({
      ID: p.id,
      Node: p.serf === null ? '(unknown)' : p.name,
      Address: p.address,
      Leader: p === SELF && !ctx.env.faults.noLeader,
      Voter: p.voter,
      RaftProtocol: p.serf === null ? 'unknown' : '3',
    })),
    Index: ctx.state.index,
  };
}

/**
 * GET /v1/operator/autopilot/health (OperatorServerHealth, command/agent/operator_endpoint.go ~231):
 * operator:read (Operator.ServerHealth, nomad/operator_endpoint.go ~448); the answer is the same JSON
 * with status **429** when the cluster is unhealthy (~246). api.ServerHealth.MarshalJSON sends
 * LastContact as duration text. A server is healthy when serf says alive and raft hears it
 * (hashicorp/raft-autopilot); FailureTolerance = healthy voters - quorum.
 */
export function autopilotHealth(ctx: Ctx): unknown {
  if (ctx.method !== 'GET') throw coded(404, 'Invalid method');
  if (!ctx.acl.allowOperatorRead()) throw permissionDenied();
  const list = raftPeers(ctx.state);
  const leaderless = ctx.env.faults.noLeader;
  const stable = new Date(Date.now() - 3_600_000);
  stable.setUTCMilliseconds(0);
  const servers = list.map((p) => {
    const healthy = p.serf === 'alive' && !leaderless;
    return {
      ID: p.id,
      Name: p.serf === null ? '' : p.name,
      Address: p.address,
      SerfStatus: p.serf ?? 'none',
      Version: p.serf === null ? '' : '1.9.7',
      Leader: p === SELF && !leaderless,
      LastContact: p === SELF ? '0s' : healthy ? '12.5ms' : '-1ns',
      LastTerm: 2,
      LastIndex: healthy ? ctx.state.index : 0,
      Healthy: healthy,
      Voter: p.voter,
      StableSince: stable.toISOString().replace('.000Z', 'Z'),
    };
  });
  const voters = servers.filter((s) => s.Voter);
  const quorum = Math.floor(voters.length / 2) + 1;
  const healthyVoters = voters.filter((s) => s.Healthy).length;
  const healthy = servers.every((s) => s.Healthy);
  if (!healthy) ctx.status = 429;
  return {
    Healthy: healthy,
    FailureTolerance: Math.max(0, healthyVoters - quorum),
    Servers: servers,
    Leader: leaderless ? '' : SELF.id,
    Voters: voters.map((s) => s.ID),
  };
}

/** nomad/config.go DefaultConfig: binpack, preemption for system jobs only. */
const schedulerConfigs = new WeakMap<SimState, Record<string, unknown>>();

function schedulerConfig(state: SimState): Record<string, unknown> {
  let c = schedulerConfigs.get(state);
  if (!c) {
    c = {
      SchedulerAlgorithm: 'binpack',
      PreemptionConfig: { SystemSchedulerEnabled: true, SysBatchSchedulerEnabled: false, BatchSchedulerEnabled: false, ServiceSchedulerEnabled: false },
      MemoryOversubscriptionEnabled: false,
      RejectJobRegistration: false,
      PauseEvalBroker: false,
      CreateIndex: 5,
      ModifyIndex: 5,
    };
    schedulerConfigs.set(state, c);
  }
  return c;
}

/**
 * GET /v1/operator/scheduler/configuration (schedulerGetConfig ~296): operator:read
 * (Operator.SchedulerGetConfiguration, nomad/operator_endpoint.go ~536); SchedulerConfigurationResponse
 * is the config under SchedulerConfig plus the QueryMeta fields. Writes are not simulated (405 stays
 * for other methods, as OperatorSchedulerConfiguration answers).
 */
export function schedulerConfiguration(ctx: Ctx): unknown {
  if (ctx.method !== 'GET') throw invalidMethod();
  if (!ctx.acl.allowOperatorRead()) throw permissionDenied();
  const config = schedulerConfig(ctx.state);
  ctx.index = config.ModifyIndex as number;
  return { SchedulerConfig: config, Index: config.ModifyIndex, LastContact: 0, KnownLeader: !ctx.env.faults.noLeader, NextToken: '' };
}

/**
 * /v1/quotas, /v1/quota/…, /v1/quota-usages on Nomad OSS: `s.wrap(s.entOnly)` answers
 * 501 `Nomad Enterprise only endpoint` before any token check (command/agent/http_ce.go ~18–21,
 * entOnly ~30; ErrEntOnly in command/agent/http.go ~49).
 */
export function enterpriseOnly(): never {
  throw coded(501, 'Nomad Enterprise only endpoint');
}
