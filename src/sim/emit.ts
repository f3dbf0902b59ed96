/** Builders for event-stream events, payloads shaped as Nomad publishes them. */
import type { Allocation, Deployment, Evaluation, Job, Node, StreamEvent } from './types.js';

type Ev = Omit<StreamEvent, 'Index'>;

export function jobEvent(type: string, job: Job): Ev {
  return { Topic: 'Job', Type: type, Key: job.ID, Namespace: job.Namespace, FilterKeys: null, Payload: { Job: job } };
}

export function allocEvent(type: string, alloc: Allocation): Ev {
  // Nomad drops the embedded job from allocation events to keep them small.
  return {
    Topic: 'Allocation', Type: type, Key: alloc.ID, Namespace: alloc.Namespace,
    FilterKeys: [alloc.JobID, alloc.DeploymentID].filter(Boolean), Payload: { Allocation: { ...alloc, Job: null } },
  };
}

export function evalEvent(ev: Evaluation): Ev {
  return {
    Topic: 'Evaluation', Type: 'EvaluationUpdated', Key: ev.ID, Namespace: ev.Namespace,
    FilterKeys: [ev.JobID, ev.DeploymentID].filter(Boolean), Payload: { Evaluation: ev },
  };
}

export function deploymentEvent(type: string, d: Deployment): Ev {
  return { Topic: 'Deployment', Type: type, Key: d.ID, Namespace: d.Namespace, FilterKeys: [d.JobID], Payload: { Deployment: d } };
}

export function nodeEvent(type: string, node: Node): Ev {
  const { cpuMHz: _c, memoryMB: _m, ...view } = node;
  return { Topic: 'Node', Type: type, Key: node.ID, Namespace: '', FilterKeys: null, Payload: { Node: view } };
}
