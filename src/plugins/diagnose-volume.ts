/**
 * diagnose_volume: reads a CSI volume and its plugin and says, in the scheduler's order, what stops
 * a new claim (lib/volume-claims.ts). A plugin the token may not read is reported as not checked.
 */
import { ToolError } from '../host/errors.js';
import { definePlugin } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { type CsiPlugin, type CsiVolume, claimProblems } from './lib/volume-claims.js';

interface Args {
  [key: string]: unknown;
  id: string;
  namespace?: string;
}

export default definePlugin<Args>({
  name: 'diagnose-volume',
  tier: 'read',
  async call(args, ctx) {
    const vol = (await ctx.nomad.get<CsiVolume>(nomadPath`/v1/volume/csi/${args.id}`, { signal: ctx.signal })).data;
    let plugin: CsiPlugin | null | undefined;
    let pluginUnread = '';
    if (vol.PluginID) {
      try {
        plugin = (await ctx.nomad.get<CsiPlugin>(nomadPath`/v1/plugin/csi/${vol.PluginID}`, { signal: ctx.signal })).data;
      } catch (err) {
        if (!(err instanceof ToolError) || err.status === undefined || ctx.signal.aborted) throw err;
        if (err.status === 404) plugin = null;
        else pluginUnread = err.reason ?? err.message.split('\n')[0];
      }
    }
    const problems = claimProblems(vol, plugin);
    const name = `CSI volume ${vol.ID} (namespace ${vol.Namespace ?? ctx.namespace}, plugin ${vol.PluginID ?? '?'}, ${vol.AccessMode || 'no access mode yet'})`;
    const lines: string[] = [];
    if (problems.length) {
      lines.push(`${name} cannot be claimed${vol.Schedulable === false ? ' (Nomad marks it unschedulable)' : ''}:`);
      for (const p of problems) lines.push(`- ${p.check}: ${p.detail}.`);
    } else {
      // without the plugin, the topology was not checked: never claim more than what ran
      const ran = pluginUnread ? ' among the checks that ran' : ` (plugin healthy, a claim free${(vol.Topologies ?? []).length ? ', topology reachable' : ''})`;
      lines.push(`${name}: nothing found that stops a claim${ran}.`);
    }
    if (pluginUnread) lines.push(`Not checked: the plugin's controllers, node plugins and topology (${pluginUnread}; needs plugin:read); the volume's own plugin counts were used.`);
    const next = problems.some((p) => ['plugin', 'controller', 'node plugins'].includes(p.check))
      ? { tool: 'list_csi_plugins', arguments: {} }
      : problems.some((p) => p.check === 'claims')
        ? { tool: 'get_volume', arguments: { id: vol.ID } }
        : null;
    if (next) lines.push(`Next: ${next.tool} ${JSON.stringify(next.arguments)}`);
    return {
      text: lines.join('\n'),
      structured: {
        volume: vol.ID,
        plugin_id: vol.PluginID ?? null,
        schedulable: vol.Schedulable ?? null,
        claimable: problems.length === 0 && !pluginUnread ? true : problems.length ? false : null,
        problems: problems as unknown as Record<string, unknown>[],
        not_checked: pluginUnread ? [{ check: 'plugin', reason: pluginUnread, capability: 'plugin:read' }] : [],
        next,
      },
    };
  },
});
