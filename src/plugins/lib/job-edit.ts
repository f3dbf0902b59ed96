/**
 * The small changes edit_job applies to a job read from Nomad: a group's count, a task's image, env,
 * CPU and memory, the job's meta. Pure: the job is copied, the copy changed and returned with one
 * line per change; an ambiguous or impossible change is a caller error naming what to say instead.
 */
import { ToolError } from '../../host/errors.js';
import type { Job } from './nomad.js';

export interface JobChanges {
  group?: string;
  task?: string;
  count?: number;
  image?: string;
  env?: Record<string, string | null>;
  meta?: Record<string, string | null>;
  cpu?: number;
  memory?: number;
}

interface EditTask {
  Name: string;
  Driver?: string;
  Config?: Record<string, unknown> | null;
  Env?: Record<string, string> | null;
  Resources?: { CPU?: number; MemoryMB?: number; [k: string]: unknown } | null;
  [k: string]: unknown;
}

interface EditGroup {
  Name: string;
  Count?: number;
  Tasks?: EditTask[] | null;
  [k: string]: unknown;
}

const TASK_CHANGES = ['image', 'env', 'cpu', 'memory'] as const;

const KINDS: Record<keyof JobChanges, 'name' | 'count' | 'size' | 'map'> = {
  group: 'name', task: 'name', image: 'name', count: 'count', cpu: 'size', memory: 'size', env: 'map', meta: 'map',
};

/**
 * The `changes` argument checked key by key (the listed schema only says it is an object, to keep the
 * tool list short): known keys, names and images non-empty text, counts whole numbers from 0, cpu and
 * memory from 1, env and meta objects of text or null. One sentence per problem, all at once.
 */
export function parseChanges(input: Record<string, unknown>): JobChanges {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    const kind = KINDS[k as keyof JobChanges];
    if (!Object.hasOwn(KINDS, k)) problems.push(`unknown change "${k}" (known: ${Object.keys(KINDS).join(', ')})`);
    else if (kind === 'name' && (typeof v !== 'string' || v === '')) problems.push(`"${k}" must be non-empty text`);
    else if ((kind === 'count' || kind === 'size') && (!Number.isInteger(v) || (v as number) < (kind === 'count' ? 0 : 1))) {
      problems.push(`"${k}" must be a whole number of at least ${kind === 'count' ? 0 : 1}`);
    } else if (kind === 'map') {
      const ok = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x === 'string');
      if (!ok) problems.push(`"${k}" must be an object of text values (null removes a key)`);
    }
  }
  if (problems.length) throw new ToolError(`Invalid changes: ${problems.join('; ')}.`, 'caller');
  return input as JobChanges;
}

function names(list: { Name: string }[]): string {
  return list.map((x) => x.Name).join(', ');
}

/** A map merged into another: null deletes a key. Answers the change lines. */
function merge(target: Record<string, string>, changes: Record<string, string | null>, what: string): string[] {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) {
      if (k in target) {
        delete target[k];
        lines.push(`${what} ${k} removed`);
      }
    } else if (target[k] !== v) {
      lines.push(`${what} ${k}: ${target[k] ?? '(none)'} → ${v}`);
      target[k] = v;
    }
  }
  return lines;
}

/** Applies `changes` to a copy of `job`; throws a caller ToolError when a change is ambiguous or impossible. */
export function applyJobChanges(job: Job, changes: JobChanges): { job: Job; edits: string[] } {
  const wantsTask = TASK_CHANGES.some((k) => changes[k] !== undefined);
  if (!wantsTask && changes.count === undefined && changes.meta === undefined) {
    throw new ToolError('changes is empty: give at least one of count, image, env, meta, cpu or memory.', 'caller');
  }
  const copy = structuredClone(job) as Job & { TaskGroups?: EditGroup[] | null; Meta?: Record<string, string> | null };
  const allGroups = (copy.TaskGroups ?? []) as EditGroup[];
  let groups = allGroups;
  if (changes.group !== undefined) {
    groups = allGroups.filter((g) => g.Name === changes.group);
    if (!groups.length) throw new ToolError(`Job ${job.ID} has no group "${changes.group}" (its groups: ${names(allGroups)}).`, 'caller');
  }
  const edits: string[] = [];

  if (changes.count !== undefined) {
    if (groups.length !== 1) throw new ToolError(`Job ${job.ID} has groups ${names(groups)}: say which one gets count ${changes.count} with changes.group.`, 'caller');
    const g = groups[0];
    if (g.Count !== changes.count) edits.push(`group ${g.Name} count: ${g.Count ?? 1} → ${changes.count}`);
    g.Count = changes.count;
  }

  if (wantsTask) {
    const targets: { group: EditGroup; task: EditTask }[] = [];
    for (const g of groups) for (const t of g.Tasks ?? []) if (changes.task === undefined || t.Name === changes.task) targets.push({ group: g, task: t });
    if (!targets.length) {
      const all = groups.flatMap((g) => (g.Tasks ?? []).map((t) => t.Name));
      throw new ToolError(`Job ${job.ID} has no task "${changes.task}"${changes.group ? ` in group ${changes.group}` : ''} (its tasks: ${all.join(', ')}).`, 'caller');
    }
    if (targets.length > 1 && changes.task === undefined) {
      throw new ToolError(`Job ${job.ID} has tasks ${targets.map((x) => x.task.Name).join(', ')}: say which one to change with changes.task (and changes.group).`, 'caller');
    }
    for (const { group, task } of targets) {
      const where = `group ${group.Name} task ${task.Name}`;
      if (changes.image !== undefined) {
        const config = task.Config;
        if (!config || typeof config.image !== 'string') {
          throw new ToolError(`Task ${task.Name} (driver ${task.Driver ?? '?'}) has no image to change.`, 'caller');
        }
        if (config.image !== changes.image) edits.push(`${where} image: ${config.image} → ${changes.image}`);
        config.image = changes.image;
      }
      if (changes.env) {
        task.Env ??= {};
        edits.push(...merge(task.Env, changes.env, `${where} env`));
      }
      if (changes.cpu !== undefined || changes.memory !== undefined) {
        task.Resources ??= {};
        if (changes.cpu !== undefined && task.Resources.CPU !== changes.cpu) {
          edits.push(`${where} cpu: ${task.Resources.CPU ?? '(none)'} → ${changes.cpu} MHz`);
          task.Resources.CPU = changes.cpu;
        }
        if (changes.memory !== undefined && task.Resources.MemoryMB !== changes.memory) {
          edits.push(`${where} memory: ${task.Resources.MemoryMB ?? '(none)'} → ${changes.memory} MB`);
          task.Resources.MemoryMB = changes.memory;
        }
      }
    }
  }

  if (changes.meta) {
    copy.Meta ??= {};
    edits.push(...merge(copy.Meta, changes.meta, 'job meta'));
  }
  return { job: copy, edits };
}
