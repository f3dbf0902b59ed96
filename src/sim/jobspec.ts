/** Placeholder replaced by the HCL jobspec parser. */
import { coded } from './http.js';
import type { JsonObject } from './types.js';

export function parseJobRequest(body: JsonObject): JsonObject {
  if (!body.JobHCL) throw coded(400, 'Job spec is empty');
  throw coded(400, 'Failed to parse job: not implemented');
}
