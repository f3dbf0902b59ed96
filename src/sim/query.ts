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
}

/**
 * Applies the standard list parameters and sets X-Nomad-NextToken when another page exists.
 * Items are sorted once by precomputed keys; without a filter only the page's items are turned into
 * views, so a page of a 20,000-job list costs a sort, not 20,000 stubs.
 */
export function listItems<T>(ctx: Ctx, items: Iterable<T>, spec: ListSpec<T>): unknown[] {
  const ns = ctx.namespace();
  const prefix = spec.noPrefix ? '' : ctx.q('prefix');
  const rows: { item: T; ns: string; id: string }[] = [];
  for (const item of items) {
    const itemNs = spec.namespace ? spec.namespace(item) : '';
    if (spec.namespace && ns !== '*' && itemNs !== ns) continue;
    const id = spec.id(item);
    if (prefix && !id.startsWith(prefix)) continue;
    rows.push({ item, ns: itemNs, id });
  }
  const token = (r: { ns: string; id: string }) => (spec.namespace ? `${r.ns}.${r.id}` : r.id);
  rows.sort((a, b) => {
    if (a.ns !== b.ns) return a.ns < b.ns ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
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
  const out: unknown[] = [];
  for (const r of rows) {
    if (next) {
      const t = token(r);
      if (reverse ? t > next : t < next) continue;
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
