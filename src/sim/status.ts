/** Cluster identity: /v1/status/leader, /v1/status/peers, /v1/agent/self, /v1/agent/members, /v1/regions. */
import type { Ctx } from './http.js';
import { peerMembers, raftPeers } from './operator.js';

const LEADER = '127.0.0.1:4647';

/**
 * GET /v1/status/leader. Without a leader the router answers 500 `No cluster leader` unless `stale`
 * is set; then this server answers from its own raft state: "" (nomad/status_endpoint.go Leader ~46).
 */
export function statusLeader(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  return ctx.env.faults.noLeader ? '' : LEADER;
}

/** GET /v1/status/peers: the raft configuration, which a stale read still has without a leader (~69). */
export function statusPeers(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  return raftPeers(ctx.state).map((p) => p.address);
}

export function regions(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  return [ctx.state.region];
}

function member(ctx: Ctx) {
  return {
    Name: 'nomad-sim.global',
    Addr: '127.0.0.1',
    Port: 4648,
    Tags: {
      role: 'nomad', region: ctx.state.region, dc: ctx.state.datacenter, build: '1.9.7', port: '4647', bootstrap: '1', expect: '1',
      raft_vsn: '3', rpc_addr: '127.0.0.1', vsn: '1', mvn: '1', id: 'c6e4f2b4-5a1d-4f7e-9d0c-2b8f8e1a9d3e',
    },
    Status: 'alive',
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

export function agentSelf(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  const s = ctx.state;
  const noLeader = ctx.env.faults.noLeader;
  return {
    config: {
      Region: s.region,
      Datacenter: s.datacenter,
      NodeName: 'nomad-sim',
      Version: { Revision: 'f869597f5a96fe0a4e5f3e6e8cd1c6e1e4f1b9a3', Version: '1.9.7', VersionMetadata: '', VersionPrerelease: '', BuildDate: '2025-03-11T09:07:15Z' },
      ACL: { Enabled: ctx.env.aclEnabled },
      Server: { Enabled: true, BootstrapExpect: 1 },
      Client: { Enabled: true },
      Ports: { HTTP: 4646, RPC: 4647, Serf: 4648 },
    },
    member: member(ctx),
    stats: {
      nomad: { server: 'true', leader: String(!noLeader), leader_addr: noLeader ? '' : LEADER, bootstrap: 'true', known_regions: '1' },
      raft: { state: noLeader ? 'Candidate' : 'Leader', applied_index: String(s.index), commit_index: String(s.index), last_log_index: String(s.index) },
      runtime: { arch: 'amd64', version: 'go1.23.6', goroutines: '142', max_procs: '2', kernel: 'linux', cpu_count: '2' },
      client: { known_servers: '127.0.0.1:4647', num_allocations: String(s.allocs.size), last_heartbeat: '1s', heartbeat_ttl: '15s' },
    },
    // nothing else: command/agent/agent_endpoint.go agentSelf has config, member and stats only
  };
}

export function agentMembers(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  // the other raft servers that serf still knows (alive or failed: serf keeps failed members until reaped)
  const others = peerMembers(ctx.state).map((p) => {
    const [addr, port] = p.address.split(':');
    const m = member(ctx);
    return { ...m, Name: p.name, Addr: addr, Status: p.serf, Tags: { ...m.Tags, rpc_addr: addr, port, id: p.id, bootstrap: '0' } };
  });
  return { ServerName: 'nomad-sim', ServerRegion: ctx.state.region, ServerDC: ctx.state.datacenter, Members: [member(ctx), ...others] };
}
