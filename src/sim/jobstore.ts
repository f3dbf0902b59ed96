/** Job writes shared by register, stop, scale, revert and dispatch: versions, submissions, indexes, events. */
import { jobEvent } from './emit.js';
import { nowNanos } from './ids.js';
import { specChanged } from './jobmodel.js';
import { jobKey, type SimState } from './state.js';
import type { Job, JobSubmission } from './types.js';

/** Nomad keeps this many versions of a job (structs.JobDefaultTrackedVersions), and as many submissions. */
export const TRACKED_VERSIONS = 6;

/** The user-supplied part of a JobSubmission (what a register request carries). */
export type SubmissionInput = Pick<JobSubmission, 'Source' | 'Format' | 'VariableFlags' | 'Variables'>;

/**
 * Stores `job` (canonical) as the new current version when its spec differs from the existing one.
 * Returns whether anything was written; `index` is the raft index used.
 *
 * `submission` is stored with the new version. Without one, an update whose incoming Version is not
 * newer than the current one (register, stop, scale, revert) takes the submission stored for that
 * incoming Version, as the state store's upsertJobImpl does ("in the reversion case…"): a revert
 * carries the old version's source, a stop or scale the current one's.
 */
export function upsertJob(state: SimState, job: Job, submission?: SubmissionInput | null): { changed: boolean; index: number } {
  const key = jobKey(job.Namespace, job.ID);
  const existing = state.jobs.get(key);
  if (existing && !specChanged(existing, job)) return { changed: false, index: existing.JobModifyIndex };
  let sub: SubmissionInput | undefined = submission ?? undefined;
  if (existing && !sub && job.Version <= existing.Version) sub = state.submission(job.Namespace, job.ID, job.Version);
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
  if (sub) storeSubmission(state, job, sub, index);
  pruneSubmissions(state, key, versions);
  state.publish([jobEvent('JobRegistered', job)]);
  return { changed: true, index };
}

function storeSubmission(state: SimState, job: Job, sub: SubmissionInput, index: number): void {
  const key = jobKey(job.Namespace, job.ID);
  let byVersion = state.submissions.get(key);
  if (!byVersion) state.submissions.set(key, (byVersion = new Map()));
  // updateJobSubmission keeps the first submission stored for a (namespace, job, version).
  if (byVersion.has(job.Version)) return;
  byVersion.set(job.Version, {
    Source: sub.Source,
    Format: sub.Format,
    VariableFlags: sub.VariableFlags ? { ...sub.VariableFlags } : null,
    Variables: sub.Variables,
    Namespace: job.Namespace,
    JobID: job.ID,
    Version: job.Version,
    JobModifyIndex: index,
  });
}

/** Submissions of versions that left the history go with them. */
function pruneSubmissions(state: SimState, key: string, versions: Job[]): void {
  const byVersion = state.submissions.get(key);
  if (!byVersion) return;
  const kept = new Set(versions.map((v) => v.Version));
  for (const v of [...byVersion.keys()]) if (!kept.has(v)) byVersion.delete(v);
  if (byVersion.size === 0) state.submissions.delete(key);
}

/** Removes a job and its history (purge). */
export function purgeJob(state: SimState, job: Job): number {
  const key = jobKey(job.Namespace, job.ID);
  state.jobs.delete(key);
  state.jobVersions.delete(key);
  state.submissions.delete(key);
  state.queued.delete(key);
  state.scalingEvents.delete(key);
  const index = state.bump();
  state.publish([jobEvent('JobDeregistered', job)]);
  return index;
}
