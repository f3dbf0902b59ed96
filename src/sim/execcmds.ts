/**
 * The few commands the simulator "runs" in a task for alloc exec, over a small deterministic view of the
 * task: its environment (Nomad's task variables and the task's `env`, client/taskenv/env.go) and a
 * virtual file system with the allocation directory's usual layout (client/allocdir: alloc/, local/,
 * secrets/): alloc/logs/<task>.<stdout|stderr>.0 are the task logs, local/ holds the task's templates.
 * Commands: echo, env, ls, cat, true, false, sleep N, sh -c 'exit N' (or one simple command). Anything
 * else is not found, as the task's driver says it.
 */
import type { LogFile } from './logstore.js';
import type { SimState } from './state.js';
import type { Allocation, Task } from './types.js';

/** A piece of output: text, or a whole task log read lazily (it may be large). */
export type Out = string | { log: LogFile };

export type Outcome =
  | { kind: 'exit'; code: number; stdout: Out[]; stderr: string }
  /** Runs until `ms` pass (or the session closes), then exits 0. */
  | { kind: 'sleep'; ms: number }
  /** The driver could not start the command: the session ends with this error. */
  | { kind: 'start-error'; message: string };

interface Dir {
  kind: 'dir';
  entries: Map<string, Node>;
}
type Node = Dir | { kind: 'file'; out: Out };

const dir = (): Dir => ({ kind: 'dir', entries: new Map() });

/** The task's view of its allocation directory, rooted at `/` (its working directory). */
function fileSystem(state: SimState, alloc: Allocation, task: Task): Dir {
  const root = dir();
  const allocDir = dir();
  const logs = dir();
  const data = dir();
  allocDir.entries.set('logs', logs);
  allocDir.entries.set('data', data);
  allocDir.entries.set('tmp', dir());
  root.entries.set('alloc', allocDir);
  for (const name of Object.keys(alloc.TaskStates)) {
    for (const type of ['stdout', 'stderr'] as const) {
      const f = state.logs.get(alloc.ID, name, type);
      if (f) logs.entries.set(`${name}.${type}.0`, { kind: 'file', out: { log: f } });
    }
  }
  const local = dir();
  root.entries.set('local', local);
  root.entries.set('secrets', dir());
  root.entries.set('tmp', dir());
  for (const t of (task.Templates as { DestPath?: string | null; EmbeddedTmpl?: string | null }[] | null) ?? []) {
    if (!t.DestPath) continue;
    const parts = t.DestPath.replace(/^\/+/, '').split('/').filter(Boolean);
    let at = root;
    for (const p of parts.slice(0, -1)) {
      let next = at.entries.get(p);
      if (!next || next.kind !== 'dir') at.entries.set(p, (next = dir()));
      at = next;
    }
    at.entries.set(parts[parts.length - 1], { kind: 'file', out: t.EmbeddedTmpl ?? '' });
  }
  return root;
}

function lookup(root: Dir, path: string): Node | undefined {
  let at: Node = root;
  for (const p of path.split('/').filter((s) => s && s !== '.')) {
    if (at.kind !== 'dir') return undefined;
    const next: Node | undefined = at.entries.get(p);
    if (!next) return undefined;
    at = next;
  }
  return at;
}

/** The task's environment (client/taskenv/env.go: NOMAD_* variables, then the task's env). */
export function taskEnv(state: SimState, alloc: Allocation, task: Task): Record<string, string> {
  const index = /\[(\d+)\]$/.exec(alloc.Name)?.[1] ?? '0';
  const node = state.nodes.get(alloc.NodeID);
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    NOMAD_ALLOC_DIR: '/alloc',
    NOMAD_TASK_DIR: '/local',
    NOMAD_SECRETS_DIR: '/secrets',
    NOMAD_ALLOC_ID: alloc.ID,
    NOMAD_ALLOC_NAME: alloc.Name,
    NOMAD_ALLOC_INDEX: index,
    NOMAD_TASK_NAME: task.Name,
    NOMAD_GROUP_NAME: alloc.TaskGroup,
    NOMAD_JOB_ID: alloc.JobID,
    NOMAD_JOB_NAME: alloc.Job.Name ?? alloc.JobID,
    NOMAD_NAMESPACE: alloc.Namespace,
    NOMAD_REGION: state.region,
    NOMAD_DC: node?.Datacenter ?? 'dc1',
    NOMAD_CPU_LIMIT: String(task.Resources.CPU),
    NOMAD_MEMORY_LIMIT: String(task.Resources.MemoryMB),
  };
  for (const [k, v] of Object.entries(task.Meta ?? {})) env[`NOMAD_META_${k}`] = v;
  return { ...env, ...(task.Env ?? {}) };
}

/** How the task's driver reports a program that does not exist. */
function notFound(driver: string, prog: string): Outcome {
  if (driver === 'docker') {
    // the Docker daemon writes the start error into the attached stream and the exec exits 127
    // (moby api/server/router/container/exec.go postContainerExecStart, daemon/errors.go translateContainerdStartErr)
    return {
      kind: 'exit',
      code: 127,
      stdout: [`OCI runtime exec failed: exec failed: unable to start container process: exec: "${prog}": executable file not found in $PATH: unknown\r\n`],
      stderr: '',
    };
  }
  // exec/raw_exec: the executor fails to start it (drivers/shared/executor/exec_utils.go runNoTTY ~115)
  return { kind: 'start-error', message: `failed to start command: exec: "${prog}": executable file not found in $PATH` };
}

const KNOWN = new Set(['echo', 'true', 'false', 'env', 'sleep', 'ls', 'cat', 'sh', 'bash']);
const BIN = /^\/(usr\/)?bin\//;

const exit = (code: number, stdout: Out[] = [], stderr = ''): Outcome => ({ kind: 'exit', code, stdout, stderr });

/** Runs argv in the task (argv is not empty). */
export function runCommand(state: SimState, alloc: Allocation, task: Task, argv: string[]): Outcome {
  const prog = argv[0].replace(BIN, '');
  const args = argv.slice(1);
  const root = fileSystem(state, alloc, task);
  switch (prog) {
    case 'echo':
      return exit(0, [`${args.join(' ')}\n`]);
    case 'true':
      return exit(0);
    case 'false':
      return exit(1);
    case 'env': {
      const env = taskEnv(state, alloc, task);
      return exit(0, [Object.keys(env).sort().map((k) => `${k}=${env[k]}\n`).join('')]);
    }
    case 'sleep': {
      const s = Number(args[0]);
      if (!args[0] || !Number.isFinite(s) || s < 0) return exit(1, [], `sleep: invalid time interval '${args[0] ?? ''}'\n`);
      return { kind: 'sleep', ms: s * 1000 };
    }
    case 'ls': {
      const targets = args.filter((a) => !a.startsWith('-'));
      const out: string[] = [];
      let err = '';
      for (const t of targets.length ? targets : ['.']) {
        const n = lookup(root, t);
        if (!n) err += `ls: cannot access '${t}': No such file or directory\n`;
        else if (n.kind === 'file') out.push(`${t}\n`);
        else out.push([...n.entries.keys()].sort().map((e) => `${e}\n`).join(''));
      }
      return exit(err ? 2 : 0, out, err);
    }
    case 'cat': {
      const out: Out[] = [];
      let err = '';
      for (const t of args) {
        const n = lookup(root, t);
        if (!n) err += `cat: ${t}: No such file or directory\n`;
        else if (n.kind === 'dir') err += `cat: ${t}: Is a directory\n`;
        else out.push(n.out);
      }
      return exit(err ? 1 : 0, out, err);
    }
    case 'sh':
    case 'bash': {
      if (args[0] !== '-c' || args.length < 2) return exit(2, [], `${prog}: only -c 'command' is supported here\n`);
      const script = args[1].trim();
      const m = /^exit(?:\s+(\d{1,3}))?$/.exec(script);
      if (m) return exit(Number(m[1] ?? 0) & 255);
      const words = script.split(/\s+/).filter(Boolean);
      if (!words.length) return exit(0);
      // the shell itself reports a missing program (dash: "sh: 1: x: not found", status 127)
      if (!KNOWN.has(words[0].replace(BIN, ''))) return exit(127, [], `${prog}: 1: ${words[0]}: not found\n`);
      return runCommand(state, alloc, task, words);
    }
    default:
      return notFound(task.Driver, argv[0]);
  }
}

