/**
 * The catalog as served under switches: --read-only lists no write tool, --tags nodes only node tools;
 * and every tool of the full catalog has end-to-end coverage (seed-tools.test.ts, catalog-*.test.ts, diagnosis.test.ts or areas.test.ts): a new
 * tool fails this check until it gets a test and is listed here.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio } from './harness.js';

const SEED_TOOLS = [
  'list_jobs', 'get_job', 'get_job_status', 'start_job', 'stop_job', 'restart_job', 'create_job', 'submit_job_file',
  'get_allocation_status', 'get_job_evaluations', 'force_evaluate_job', 'get_job_logs', 'get_allocation_logs',
  'list_configs', 'get_config', 'save_config', 'delete_config', 'list_repositories', 'get_repository',
];

/** Tools covered by the catalog-*.test.ts files, by file. */
const CATALOG_TOOLS = [
  // catalog-jobs
  'get_job_versions', 'revert_job', 'plan_job', 'validate_job', 'scale_job', 'dispatch_job', 'force_periodic_job', 'get_job_summary', 'get_job_spec',
  // catalog-deployments
  'list_job_deployments', 'list_deployments', 'get_deployment', 'promote_deployment', 'fail_deployment', 'pause_deployment', 'wait_for_deployment',
  // catalog-allocations
  'list_allocations', 'restart_allocation', 'stop_allocation', 'signal_allocation', 'get_allocation_stats', 'get_evaluation', 'explain_placement_failure',
  // catalog-logs
  'follow_job_logs', 'search_job_logs',
  // catalog-cluster
  'list_nodes', 'get_node', 'drain_node', 'set_node_eligibility', 'get_cluster_status', 'list_namespaces', 'search', 'watch_events',
  'get_token_self', 'list_acl_policies',
  // catalog-variables
  'list_variables', 'get_variable', 'put_variable', 'delete_variable',
  // catalog-more (added after the first catalog)
  'list_evaluations', 'get_deployment_allocations', 'set_job_stability', 'get_job_scale_status', 'get_namespace', 'list_cluster_members',
  // diagnosis
  'find_problems', 'get_job_timeline', 'get_cluster_capacity', 'explain_placement', 'analyze_job_resources', 'why_restarting', 'compare_job_versions',
  // areas: services, checks, files, node stats/meta/pools, volumes
  'list_services', 'get_service', 'get_allocation_checks', 'list_allocation_files', 'read_allocation_file', 'get_node_stats', 'get_node_meta',
  'list_node_pools', 'get_node_pool', 'list_volumes', 'get_volume', 'list_csi_plugins', 'get_csi_plugin', 'diagnose_volume',
  // exec.test.ts, monitor.test.ts
  'exec_in_allocation', 'monitor_agent',
  // acl-reads.test.ts, operator.test.ts, deployment-writes.test.ts, job-edit.test.ts
  'list_acl_tokens', 'get_acl_token', 'list_acl_roles', 'get_acl_role', 'get_acl_policy', 'list_auth_methods', 'get_auth_method',
  'list_binding_rules', 'get_binding_rule', 'get_autopilot_health', 'get_raft_configuration', 'get_scheduler_configuration',
  'list_quotas', 'get_quota', 'list_regions', 'list_scaling_policies', 'get_scaling_policy', 'unblock_deployment',
  'set_deployment_alloc_health', 'edit_job',
];

const NODE_TOOLS = ['drain_node', 'get_node', 'get_node_meta', 'get_node_pool', 'get_node_stats', 'list_node_pools', 'list_nodes', 'set_node_eligibility'];

let sim: Simulator;

async function listTools(args: string[]): Promise<Tool[]> {
  const c = await connectStdio({ NOMAD_ADDR: sim.url }, args);
  try {
    return (await c.client.listTools()).tools;
  } finally {
    await c.close();
  }
}

let full: Tool[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  full = await listTools(['--allow-destructive', '--allow-exec']);
});

afterAll(async () => {
  await sim?.close();
});

describe('the catalog under switches', () => {
  it('every tool of the full catalog is covered end to end', () => {
    const names = full.map((t) => t.name).sort();
    expect(new Set(CATALOG_TOOLS).size).toBe(CATALOG_TOOLS.length);
    expect(CATALOG_TOOLS.filter((n) => SEED_TOOLS.includes(n))).toEqual([]);
    expect(names).toEqual([...SEED_TOOLS, ...CATALOG_TOOLS].sort());
  });

  it('--read-only lists no write tool, and every read tool', async () => {
    const writeTools = full.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name);
    const readTools = full.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name);
    expect(writeTools).toEqual(expect.arrayContaining(['put_variable', 'drain_node', 'scale_job', 'promote_deployment', 'stop_allocation', 'revert_job']));
    const names = (await listTools(['--read-only'])).map((t) => t.name);
    for (const w of writeTools) expect(names, w).not.toContain(w);
    expect(names.sort()).toEqual(readTools.sort());
    // Read tools that happen to be plugins or stream are still there.
    expect(names).toEqual(expect.arrayContaining(['wait_for_deployment', 'follow_job_logs', 'watch_events', 'plan_job', 'validate_job']));
  });

  it('--tags nodes lists only the node tools', async () => {
    expect((await listTools(['--tags', 'nodes', '--allow-destructive'])).map((t) => t.name).sort()).toEqual(NODE_TOOLS);
    // Without --allow-destructive the drain (disruptive for everything on the node) is not served.
    expect((await listTools(['--tags', 'nodes'])).map((t) => t.name).sort()).toEqual(NODE_TOOLS.filter((n) => n !== 'drain_node'));
  });
});
