/**
 * analyze_job_resources: per task, the CPU and memory a job reserves against what its running
 * allocations use now (GET /v1/client/allocation/:id/stats: CpuStats.TotalTicks in MHz,
 * MemoryStats.RSS/Usage/MaxUsage in bytes), OOM kills from task events, and a suggested size with
 * the evidence behind it.
 */
import { definePlugin, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { budgetSignal, MAX_FANOUT, mapLimited, PARALLEL, read } from './lib/fanout.js';
import { type AllocStub, getJob, plural } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  namespace?: string;
}

interface TaskSpec {
  Name: string;
  Resources?: { CPU?: number; MemoryMB?: number; MemoryMaxMB?: number } | null;
}

interface Usage {
  MemoryStats?: { RSS?: number; Usage?: number; MaxUsage?: number } | null;
  CpuStats?: { TotalTicks?: number; Percent?: number } | null;
}

interface Stats {
  Tasks?: Record<string, { ResourceUsage?: Usage }> | null;
}

const MB = 1024 * 1024;

function roundUp(v: number, step: number): number {
  return Math.max(step, Math.ceil(v / step) * step);
}

/** The suggestion for one task, with the sentences that justify it. */
export function suggest(
  reserved: { cpu: number; mem: number }, used: { cpu: number[]; memPeak: number[] }, ooms: number,
): { cpu: number; mem: number; evidence: string[] } {
  const evidence: string[] = [];
  let cpu = reserved.cpu;
  let mem = reserved.mem;
  const peakMem = used.memPeak.length ? Math.max(...used.memPeak) : undefined;
  const maxCpu = used.cpu.length ? Math.max(...used.cpu) : undefined;
  if (ooms > 0) {
    mem = roundUp(Math.max(reserved.mem * 1.5, (peakMem ?? 0) * 1.3), 64);
    evidence.push(`${plural(ooms, 'OOM kill')} with ${reserved.mem} MB reserved: raise memory to ${mem} MB (1.5× the reservation${peakMem !== undefined ? ` or 1.3× the ${peakMem} MB peak` : ''}).`);
  } else if (peakMem !== undefined) {
    if (peakMem > reserved.mem * 0.9) {
      mem = roundUp(peakMem * 1.3, 64);
      evidence.push(`memory peak ${peakMem} MB is ${Math.round((peakMem / reserved.mem) * 100)}% of the ${reserved.mem} MB reserved: raise it to ${mem} MB before the kernel kills the task.`);
    } else if (peakMem < reserved.mem * 0.4 && reserved.mem > 64) {
      mem = roundUp(peakMem * 1.5, 32);
      evidence.push(`memory peak ${peakMem} MB is ${Math.round((peakMem / reserved.mem) * 100)}% of the ${reserved.mem} MB reserved: ${mem} MB would leave 50% headroom and free the rest for other work.`);
    } else evidence.push(`memory peak ${peakMem} MB of ${reserved.mem} MB reserved is within range.`);
  }
  if (maxCpu !== undefined) {
    if (maxCpu > reserved.cpu * 0.9) {
      cpu = roundUp(maxCpu * 1.3, 50);
      evidence.push(`CPU ${maxCpu} MHz used of ${reserved.cpu} MHz reserved: the task is throttled; ${cpu} MHz gives it room.`);
    } else if (maxCpu < reserved.cpu * 0.25 && reserved.cpu > 100) {
      cpu = roundUp(Math.max(maxCpu * 2, 50), 50);
      evidence.push(`CPU ${maxCpu} MHz used of ${reserved.cpu} MHz reserved: ${cpu} MHz would be enough (twice the use now).`);
    } else evidence.push(`CPU ${maxCpu} MHz used of ${reserved.cpu} MHz reserved is within range.`);
  }
  if (!evidence.length) evidence.push('no live statistics and no OOM kill: keep the reservation.');
  return { cpu, mem, evidence };
}

function oomCount(allocs: AllocStub[], task: string): number {
  let n = 0;
  for (const a of allocs) {
    for (const e of a.TaskStates?.[task]?.Events ?? []) {
      const d = (e as { Details?: Record<string, string> }).Details ?? {};
      if (e.Type === 'Terminated' && (d.oom_killed === 'true' || /OOM Killed/.test(e.DisplayMessage ?? ''))) n++;
    }
  }
  return n;
}

export default definePlugin<Args>({
  name: 'job-resources',
  tier: 'read',
  async call(args, ctx) {
    const signal = budgetSignal(ctx);
    const job = await getJob(ctx, args.job_id);
    const allocs = (await ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${args.job_id}/allocations`, { signal: ctx.signal })).data ?? [];
    const running = allocs.filter((a) => a.ClientStatus === 'running' && a.DesiredStatus === 'run').slice(0, MAX_FANOUT);
    const stats = await mapLimited(running, PARALLEL, async (a) => ({ a, r: await read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Stats>(nomadPath`/v1/client/allocation/${a.ID}/stats`, { signal: s })) }));
    const failedStats = stats.filter((s) => !s.r.ok);
    const lines: string[] = [`Job ${job.ID}: ${plural(running.length, 'running allocation')} measured${allocs.length > running.length ? ` (of ${allocs.length})` : ''}.`];
    const tasksOut: Record<string, unknown>[] = [];
    for (const tg of (job.TaskGroups ?? []) as { Name: string; Tasks?: TaskSpec[] | null }[]) {
      const groupAllocs = allocs.filter((a) => a.TaskGroup === tg.Name);
      for (const t of tg.Tasks ?? []) {
        const reserved = { cpu: t.Resources?.CPU ?? 100, mem: t.Resources?.MemoryMB ?? 300 };
        const cpu: number[] = [];
        const memNow: number[] = [];
        const memPeak: number[] = [];
        for (const { a, r } of stats) {
          if (a.TaskGroup !== tg.Name || !r.ok) continue;
          const u = r.data.Tasks?.[t.Name]?.ResourceUsage;
          if (!u) continue;
          if (u.CpuStats?.TotalTicks !== undefined) cpu.push(Math.round(u.CpuStats.TotalTicks));
          const m = u.MemoryStats;
          if (m) {
            const now = m.RSS || m.Usage || 0;
            memNow.push(Math.round(now / MB));
            memPeak.push(Math.round(Math.max(now, m.MaxUsage ?? 0) / MB));
          }
        }
        const ooms = oomCount(groupAllocs, t.Name);
        const s = suggest(reserved, { cpu, memPeak }, ooms);
        const range = (v: number[], unit: string) => (v.length ? (Math.min(...v) === Math.max(...v) ? `${v[0]} ${unit}` : `${Math.min(...v)}–${Math.max(...v)} ${unit}`) : 'n/a');
        lines.push(`Task ${tg.Name}/${t.Name}: reserved ${reserved.cpu} MHz, ${reserved.mem} MB${t.Resources?.MemoryMaxMB ? ` (max ${t.Resources.MemoryMaxMB} MB)` : ''}; used CPU ${range(cpu, 'MHz')}, memory ${range(memNow, 'MB')} (peak ${range(memPeak, 'MB')}); ${plural(ooms, 'OOM kill')}.`);
        const changed = s.cpu !== reserved.cpu || s.mem !== reserved.mem;
        lines.push(`  Suggested: ${changed ? `cpu = ${s.cpu}, memory = ${s.mem}` : 'keep the reservation'}. ${s.evidence.join(' ')}`);
        tasksOut.push({
          group: tg.Name, task: t.Name, reserved: { cpu_mhz: reserved.cpu, memory_mb: reserved.mem, memory_max_mb: t.Resources?.MemoryMaxMB ?? null },
          used: { cpu_mhz: cpu, memory_mb: memNow, memory_peak_mb: memPeak }, oom_kills: ooms,
          suggested: { cpu_mhz: s.cpu, memory_mb: s.mem }, evidence: s.evidence,
        });
      }
    }
    if (failedStats.length) {
      const r = failedStats[0].r as { reason: string; capability: string };
      lines.push(`Not measured: ${plural(failedStats.length, 'allocation')} (${r.reason}; needs ${r.capability}).`);
    }
    if (allocs.filter((a) => a.ClientStatus === 'running').length > running.length) lines.push(`(statistics read from the first ${running.length} running allocations)`);
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'structuredContent has every task').text,
      structured: { job_id: job.ID, measured_allocations: running.length - failedStats.length, tasks: tasksOut },
    };
  },
});
