/** List endpoints' shared query handling: namespace (`*`), prefix, filter, reverse, pagination. */
import { compileFilter } from './filter.js';
import { coded, type Ctx } from './http.js';

export interface ListSpec<T> {
  /** Whether items belong to namespaces (then `namespace` / `*` apply). */
  namespace?: (item: T) => string;
  id: (item: T) => string;
  /** What the filter expression and the client see. */
  view: (item: T) => unknown;
  /** Disable the prefix parameter (it means something else on some endpoints). */
  noPrefix?: boolean;
  /** The item's CreateIndex: the list is in CreateIndex order (ascending; descending with reverse=true). */
  createIndex?: (item: T) => number;
  /** Endpoints without a paginator ignore filter, per_page, next_token and reverse (namespaces, ACL policies). */
  noPaginator?: boolean;
}

/**
 * Applies the standard list parameters and sets X-Nomad-NextToken when another page exists.
 * Items are sorted once by precomputed keys; without a filter only the page's items are turned into
 * views, so a page of a 20,000-job list costs a sort, not 20,000 stubs.
 */
export function listItems<T>(ctx: Ctx, items: Iterable<T>, spec: ListSpec<T>): unknown[] {
  const ns = ctx.namespace();
  const prefix = spec.noPrefix ? '' : ctx.q('prefix');
  // CreateIndex order unless a prefix is given (then the ID index): nomad/eval_endpoint.go ~698,
  // deployment_endpoint.go ~488, alloc_endpoint.go ~84 (…ByIDPrefix with a prefix, else …Ordered /
  // the create index), with CreateIndexAndIDTokenizer tokens "<CreateIndex>.<ID>"
  const byCreate = spec.createIndex && !prefix ? spec.createIndex : undefined;
  const rows: { item: T; ns: string; id: string; ci: number }[] = [];
  for (const item of items) {
    const itemNs = spec.namespace ? spec.namespace(item) : '';
    if (spec.namespace && ns !== '*' && itemNs !== ns) continue;
    const id = spec.id(item);
    if (prefix && !id.startsWith(prefix)) continue;
    rows.push({ item, ns: itemNs, id, ci: byCreate ? byCreate(item) : 0 });
  }
  const token = (r: { ns: string; id: string; ci: number }) => (byCreate ? `${r.ci}.${r.id}` : spec.namespace ? `${r.ns}.${r.id}` : r.id);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => {
    if (byCreate) return a.ci - b.ci || cmp(a.id, b.id);
    if (a.ns !== b.ns) return a.ns < b.ns ? -1 : 1;
    return cmp(a.id, b.id);
  });
  if (spec.noPaginator) return rows.map((r) => spec.view(r.item));
  const filter = ctx.q('filter');
  const match = filter ? compileFilter(filter) : undefined;
  const reverse = ctx.bool('reverse') === true;
  if (reverse) rows.reverse();
  const next = ctx.q('next_token');
  const perPageText = ctx.q('per_page');
  let perPage = 0;
  if (perPageText) {
    perPage = Number(perPageText);
    if (!/^-?\d+$/.test(perPageText) || !Number.isSafeInteger(perPage)) {
      throw coded(400, 'Expect a number for `per_page` query string parameter');
    }
  }
  // where a row stands against the next_token: negative = before it
  const against = (r: { ns: string; id: string; ci: number }): number => {
    if (!byCreate) return cmp(token(r), next);
    const dot = next.indexOf('.');
    const ci = Number(dot >= 0 ? next.slice(0, dot) : next);
    return r.ci - ci || cmp(r.id, dot >= 0 ? next.slice(dot + 1) : '');
  };
  const out: unknown[] = [];
  for (const r of rows) {
    if (next) {
      const c = against(r);
      if (reverse ? c > 0 : c < 0) continue;
    }
    const view = spec.view(r.item);
    if (match && !match(view)) continue;
    if (perPage > 0 && out.length === perPage) {
      ctx.headers['X-Nomad-NextToken'] = token(r);
      break;
    }
    out.push(view);
  }
  return out;
}
