import { type ChildProcess, spawn } from 'node:child_process';
import { BIN, ROOT } from './harness.js';

export interface Served {
  url: string;
  proc: ChildProcess;
  stderr(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Start `serve --sse …` on a free port and wait for its `listening on` line. */
export async function spawnServe(args: string[], env: Record<string, string>): Promise<Served> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--sse', '--port', '0', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line; stderr:\n${err}`)), 20_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (https?:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}; stderr:\n${err}`));
    });
  });
  return {
    url,
    proc,
    stderr: () => err + out,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill('SIGTERM');
      }),
  };
}

/** Run `serve` expecting it to exit; returns code and stderr. */
export function runServe(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: err });
    });
  });
}
