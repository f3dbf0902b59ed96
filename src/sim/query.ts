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

/** Applies the standard list parameters and sets X-Nomad-NextToken when another page exists. */
export function listItems<T>(ctx: Ctx, items: Iterable<T>, spec: ListSpec<T>): unknown[] {
  const ns = ctx.namespace();
  const prefix = spec.noPrefix ? '' : ctx.q('prefix');
  let rows = [...items].filter((item) => {
    if (spec.namespace && ns !== '*' && spec.namespace(item) !== ns) return false;
    if (prefix && !spec.id(item).startsWith(prefix)) return false;
    return true;
  });
  const token = (item: T) => (spec.namespace ? `${spec.namespace(item)}.${spec.id(item)}` : spec.id(item));
  rows.sort((a, b) => {
    if (spec.namespace) {
      const na = spec.namespace(a);
      const nb = spec.namespace(b);
      if (na !== nb) return na < nb ? -1 : 1;
    }
    const ia = spec.id(a);
    const ib = spec.id(b);
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  let views = rows.map((r) => ({ item: r, view: spec.view(r) }));
  const filter = ctx.q('filter');
  if (filter) {
    const match = compileFilter(filter);
    views = views.filter((v) => match(v.view));
  }
  const reverse = ctx.bool('reverse') === true;
  if (reverse) views.reverse();
  const next = ctx.q('next_token');
  if (next) {
    views = views.filter((v) => (reverse ? token(v.item) <= next : token(v.item) >= next));
  }
  const perPageText = ctx.q('per_page');
  if (perPageText) {
    const perPage = Number(perPageText);
    if (!/^-?\d+$/.test(perPageText) || !Number.isSafeInteger(perPage)) {
      throw coded(400, 'Expect a number for `per_page` query string parameter');
    }
    if (perPage > 0 && views.length > perPage) {
      ctx.headers['X-Nomad-NextToken'] = token(views[perPage].item);
      views = views.slice(0, perPage);
    }
  }
  rows = [];
  return views.map((v) => v.view);
}
