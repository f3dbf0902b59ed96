/** Job writes shared by register, stop, scale, revert and dispatch: versions, indexes, events. */
import { jobEvent } from './emit.js';
import { nowNanos } from './ids.js';
import { specChanged } from './jobmodel.js';
import { jobKey, type SimState } from './state.js';
import type { Job } from './types.js';

/** Nomad keeps this many versions of a job. */
const TRACKED_VERSIONS = 6;

/**
 * Stores `job` (canonical) as the new current version when its spec differs from the existing one.
 * Returns whether anything was written; `index` is the raft index used.
 */
export function upsertJob(state: SimState, job: Job): { changed: boolean; index: number } {
  const key = jobKey(job.Namespace, job.ID);
  const existing = state.jobs.get(key);
  if (existing && !specChanged(existing, job)) return { changed: false, index: existing.JobModifyIndex };
  const index = state.bump();
  job.CreateIndex = existing?.CreateIndex ?? index;
  job.ModifyIndex = index;
  job.JobModifyIndex = index;
  job.Version = existing ? existing.Version + 1 : 0;
  job.SubmitTime = nowNanos();
  job.Stable = false;
  job.Status = existing ? existing.Status : 'pending';
  state.jobs.set(key, job);
  const versions = state.jobVersions.get(key) ?? [];
  versions.push(job);
  if (versions.length > TRACKED_VERSIONS) versions.splice(0, versions.length - TRACKED_VERSIONS);
  state.jobVersions.set(key, versions);
  state.publish([jobEvent('JobRegistered', job)]);
  return { changed: true, index };
}

/** Removes a job and its history (purge). */
export function purgeJob(state: SimState, job: Job): number {
  const key = jobKey(job.Namespace, job.ID);
  state.jobs.delete(key);
  state.jobVersions.delete(key);
  state.queued.delete(key);
  state.scalingEvents.delete(key);
  const index = state.bump();
  state.publish([jobEvent('JobDeregistered', job)]);
  return index;
}
