// The same plugin with no import, for a plugin file where nomad-mcp is not installed (no node_modules/nomad-mcp at or
// above it): a plain { name, call } default export works, since definePlugin only adds types.
export default {
  name: 'count-jobs',
  tier: 'read', // it only reads; a plugin without a tier counts as a write (hidden under --read-only)
  async call(args, ctx) {
    const { data } = await ctx.nomad.get('/v1/jobs', { signal: ctx.signal });
    const counts = {};
    for (const job of data) counts[job.Status] = (counts[job.Status] ?? 0) + 1;
    const text = Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(', ') || 'no jobs';
    return { text: `${text} (namespace ${ctx.namespace})`, structured: counts };
  },
};
