/** A sliver of the Gitea API beside Nomad on the same port: repository search and lookup. */
import { type Ctx, sendBody } from './http.js';
import type { GiteaRepo } from './types.js';

function send(ctx: Ctx, status: number, value: unknown, headers: Record<string, string> = {}): void {
  Object.assign(ctx.headers, headers);
  sendBody(ctx, status, 'application/json;charset=utf-8', JSON.stringify(value), true);
}

export function makeRepo(baseUrl: string, id: number, owner: string, name: string, description: string, updated: string, stars: number, priv = false): GiteaRepo {
  const host = baseUrl.replace(/^https?:\/\//, '').replace(/:\d+$/, '');
  return {
    id,
    name,
    full_name: `${owner}/${name}`,
    owner: { id: 1, login: owner, full_name: owner === 'acme' ? 'ACME Corp' : owner, avatar_url: `${baseUrl}/avatars/${owner}` },
    description,
    html_url: `${baseUrl}/${owner}/${name}`,
    clone_url: `${baseUrl}/${owner}/${name}.git`,
    ssh_url: `git@${host}:${owner}/${name}.git`,
    default_branch: 'main',
    private: priv,
    fork: false,
    archived: false,
    empty: false,
    updated_at: updated,
    created_at: '2024-03-01T09:00:00Z',
    stars_count: stars,
    forks_count: Math.floor(stars / 3),
    size: 1024 + id * 37,
  };
}

function authorized(ctx: Ctx): boolean {
  const want = ctx.env.giteaToken;
  if (!want) return true;
  const auth = ctx.req.headers.authorization;
  return typeof auth === 'string' && /^token\s+/i.test(auth) && auth.replace(/^token\s+/i, '').trim() === want;
}

/** Handles /api/v1/*; Gitea errors are JSON `{message, url}`. */
export function gitea(ctx: Ctx, rest: string): void {
  const docs = `${ctx.env.url}/api/swagger`;
  if (!authorized(ctx)) {
    const had = typeof ctx.req.headers.authorization === 'string';
    send(ctx, 401, { message: had ? 'user does not exist [uid: 0, name: ]' : 'token is required', url: docs });
    return;
  }
  const repos = ctx.state.giteaRepos;
  if (ctx.method !== 'GET') {
    send(ctx, 405, { message: 'Method Not Allowed', url: docs });
    return;
  }
  if (rest === 'version') {
    send(ctx, 200, { version: '1.22.3' });
    return;
  }
  if (rest === 'repos/search') {
    const q = ctx.q('q').toLowerCase();
    const limit = Math.min(50, Math.max(1, Number(ctx.q('limit')) || 10));
    const page = Math.max(1, Number(ctx.q('page')) || 1);
    const hits = repos.filter((r) => !q || r.name.toLowerCase().includes(q) || r.description.toLowerCase().includes(q) || r.full_name.toLowerCase().includes(q));
    const data = hits.slice((page - 1) * limit, page * limit);
    send(ctx, 200, { ok: true, data }, { 'X-Total-Count': String(hits.length) });
    return;
  }
  const m = /^repos\/([^/]+)\/([^/]+)$/.exec(rest);
  if (m) {
    const repo = repos.find((r) => r.owner.login.toLowerCase() === m[1].toLowerCase() && r.name.toLowerCase() === m[2].toLowerCase());
    if (repo) send(ctx, 200, repo);
    else send(ctx, 404, { message: "The target couldn't be found.", url: docs, errors: [] });
    return;
  }
  send(ctx, 404, { message: 'Not Found', url: docs, errors: [] });
}
