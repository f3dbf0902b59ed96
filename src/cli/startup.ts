import type { Inventory } from '../host/inventory.js';

/** The switch that hides an entry, from its reason (the reasons are written by inventory.ts's hideReason). */
export function switchOf(reason: string): string {
  if (reason.includes('read-only')) return '--read-only';
  if (reason.includes('--allow-destructive')) return 'no --allow-destructive';
  if (reason.includes('--allow-exec')) return 'no --allow-exec';
  if (reason.includes('--exclude-tools')) return '--exclude-tools';
  if (reason.includes('(--tools /')) return '--tools'; // before --toolsets, whose reason contains "--tools" too
  if (reason.includes('--toolsets')) return '--toolsets';
  return 'a hidden tool'; // a prompt over a hidden tool
}

/** `3 hidden: 2 --toolsets, 1 no --allow-destructive`, or '' when nothing is hidden. */
export function hiddenSummary(hidden: Map<string, string>): string {
  if (!hidden.size) return '';
  const by = new Map<string, number>();
  for (const why of hidden.values()) by.set(switchOf(why), (by.get(switchOf(why)) ?? 0) + 1);
  const parts = [...by].map(([k, n]) => (by.size === 1 ? k : `${n} ${k}`));
  return ` (${hidden.size} hidden: ${parts.join(', ')})`;
}

/**
 * The one start-up line: what is served (counts, and why some are hidden), over what, and who may call with
 * whose Nomad rights. `serving 61 tools (3 hidden: --toolsets), 3 resource templates, 3 prompts over … with auth: nomad passthrough`.
 */
export function startupLine(inv: Inventory, over: string, auth: string): string {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  return (
    `serving ${n(inv.visible.length, 'tool')}${hiddenSummary(inv.hidden)}, ` +
    `${n(inv.resources.visible.length, 'resource template')}${hiddenSummary(inv.resources.hidden)}, ` +
    `${n(inv.prompts.visible.length, 'prompt')}${hiddenSummary(inv.prompts.hidden)} over ${over} with auth: ${auth}`
  );
}
