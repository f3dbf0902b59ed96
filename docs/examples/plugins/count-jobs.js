// A team's plugin: one default export made with definePlugin. ctx.nomad is bound to the call's namespace.
import { definePlugin } from 'nomad-mcp/plugin';

export default definePlugin({
  name: 'count-jobs',
  tier: 'read', // it only reads; a plugin without a tier counts as a write (hidden under --read-only)
  async call(args, ctx) {
    const { data } = await ctx.nomad.get('/v1/jobs', { signal: ctx.signal });
    const counts = {};
    for (const job of data) counts[job.Status] = (counts[job.Status] ?? 0) + 1;
    const text = Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(', ') || 'no jobs';
    return { text: `${text} (namespace ${ctx.namespace})`, structured: counts };
  },
});
