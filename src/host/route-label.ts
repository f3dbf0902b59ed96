/**
 * Endpoint templates for metric labels and span names: `/v1/job/web/allocations` → `/v1/job/:id/allocations`.
 * A segment stays when it is a word of the API (from the catalog's request paths, plus Nomad's own words
 * that plugins use); anything else is an ID. Linear in the path; labels stay bounded whatever callers send.
 */

/** Words of Nomad's HTTP API paths (https://developer.hashicorp.com/nomad/api-docs). */
const NOMAD_WORDS = [
  'v1', 'acl', 'agent', 'allocation', 'allocations', 'auth-method', 'auth-methods', 'binding-rule', 'binding-rules', 'bootstrap',
  'cat', 'checks', 'client', 'configuration', 'csi', 'deployment', 'deployments', 'deregister', 'dispatch', 'drain',
  'eligibility', 'evaluate', 'evaluation', 'evaluations', 'event', 'exec', 'fail', 'force', 'fs', 'gc', 'health', 'host',
  'job', 'jobs', 'latest-deployment', 'leader', 'login', 'logs', 'ls', 'members', 'metadata', 'metrics', 'monitor',
  'namespace', 'namespaces', 'node', 'nodes', 'operator', 'parse', 'pause', 'peers', 'periodic', 'plan', 'plugin', 'plugins',
  'policies', 'policy', 'pool', 'pools', 'promote', 'quota', 'quotas', 'raft', 'readat', 'region', 'regions', 'restart',
  'revert', 'role', 'roles', 'scale', 'scaling', 'scheduler', 'search', 'fuzzy', 'self', 'service', 'services', 'signal',
  'stable', 'stat', 'stats', 'status', 'stop', 'stream', 'submission', 'summary', 'token', 'tokens', 'unblock', 'validate',
  'var', 'vars', 'versions', 'volume', 'volumes', 'allocation-health', 'autopilot',
];

/** After these, the rest of the path is one free-form name (a variable's path, a file path). */
const REST_IS_NAME = new Set(['var']);

const MAX_SEGMENTS = 6;

export class RouteLabels {
  private readonly words: Set<string>;

  constructor(extraWords: Iterable<string> = []) {
    this.words = new Set(NOMAD_WORDS);
    for (const w of extraWords) this.words.add(w);
  }

  /** The literal segments of request path templates (`/v1/job/{{job_id}}/allocations` → v1, job, allocations). */
  static wordsOf(templates: Iterable<string>): string[] {
    const out: string[] = [];
    for (const t of templates) {
      for (const seg of t.split('/')) if (seg && !seg.includes('{{') && seg.length <= 40) out.push(seg);
    }
    return out;
  }

  label(path: string): string {
    const q = path.indexOf('?');
    const segs = (q < 0 ? path : path.slice(0, q)).split('/');
    const out: string[] = [];
    for (let i = 1; i < segs.length && out.length < MAX_SEGMENTS; i++) {
      const seg = segs[i];
      if (seg === '') continue;
      if (this.words.has(seg)) {
        out.push(seg);
        if (REST_IS_NAME.has(seg) && i < segs.length - 1) {
          out.push(':path');
          break;
        }
      } else out.push(':id');
    }
    if (segs.length - 1 > MAX_SEGMENTS && out[out.length - 1] !== ':path') out.push('…');
    return `/${out.join('/')}`;
  }
}
