/** The built-in plugins, by name (the `plugin:` of a descriptor in tools.d/). */
import type { Plugin } from '../host/plugin.js';
import allocationLogs from './allocation-logs.js';
import allocationStatus from './allocation-status.js';
import jobEvaluations from './job-evaluations.js';
import jobLogs from './job-logs.js';
import jobStatus from './job-status.js';

const ALL = [jobStatus, allocationStatus, jobEvaluations, jobLogs, allocationLogs] as unknown as Plugin[];

export function builtinPlugins(): Map<string, Plugin> {
  return new Map(ALL.map((p) => [p.name, p]));
}
