/** The built-in plugins, by name (the `plugin:` of a descriptor in tools.d/). */
import type { Plugin } from '../host/plugin.js';
import allocationFile from './allocation-file.js';
import allocationLogs from './allocation-logs.js';
import allocationStatus from './allocation-status.js';
import createJob from './create-job.js';
import diagnoseVolume from './diagnose-volume.js';
import execInAllocation from './exec-in-allocation.js';
import editJob from './edit-job.js';
import explainPlacement from './explain-placement.js';
import clusterCapacity from './cluster-capacity.js';
import compareVersions from './compare-versions.js';
import explainPlacementNodes from './explain-placement-nodes.js';
import findProblems from './find-problems.js';
import followJobLogs from './follow-job-logs.js';
import jobEvaluations from './job-evaluations.js';
import jobLogs from './job-logs.js';
import jobResources from './job-resources.js';
import jobSpec from './job-spec.js';
import jobStatus from './job-status.js';
import jobTimeline from './job-timeline.js';
import monitorAgent from './monitor-agent.js';
import planJob from './plan-job.js';
import putVariable from './put-variable.js';
import restartJob from './restart-job.js';
import saveConfig from './save-config.js';
import searchJobLogs from './search-job-logs.js';
import startJob from './start-job.js';
import submitJob from './submit-job.js';
import validateJob from './validate-job.js';
import waitForDeployment from './wait-for-deployment.js';
import watchEvents from './watch-events.js';
import whyRestarting from './why-restarting.js';

const ALL = [
  jobStatus,
  startJob,
  restartJob,
  createJob,
  submitJob,
  allocationStatus,
  jobEvaluations,
  jobLogs,
  allocationLogs,
  saveConfig,
  planJob,
  validateJob,
  jobSpec,
  waitForDeployment,
  explainPlacement,
  watchEvents,
  putVariable,
  followJobLogs,
  searchJobLogs,
  findProblems,
  jobTimeline,
  clusterCapacity,
  explainPlacementNodes,
  jobResources,
  whyRestarting,
  compareVersions,
  allocationFile,
  diagnoseVolume,
  execInAllocation,
  monitorAgent,
  editJob,
] as unknown as Plugin[];

/** A fresh map of every built-in plugin (name → plugin). */
export function builtinPlugins(): Map<string, Plugin> {
  return new Map(ALL.map((p) => [p.name, p]));
}
