import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = path.join(ROOT, 'bin', 'run.js');

export interface Answer {
  text: string;
  isError: boolean;
  structured?: Record<string, unknown>;
}

export interface Connected {
  client: Client;
  stderr: () => string;
  call(name: string, args?: Record<string, unknown>): Promise<Answer>;
  close(): Promise<void>;
}

/** Spawn `bin/run.js serve --stdio …` and connect the SDK's Client to it, as a user's MCP client would. */
export async function connectStdio(env: Record<string, string>, args: string[] = []): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'serve', '--stdio', ...args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_MCP_LOG_LEVEL: 'info', ...env },
    cwd: ROOT,
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => err,
    async call(name, a = {}) {
      const r = (await client.callTool({ name, arguments: a })) as CallToolResult;
      const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
      return { text, isError: r.isError === true, structured: r.structuredContent as Record<string, unknown> | undefined };
    },
    close: () => client.close(),
  };
}

/**
 * The items of a list answered as a table (response.table): structuredContent.items, after checking the text is
 * their table: a header line, then one line per item in the same order, each starting with the item's first
 * picked field (its ID or name), and nothing else but the notes after the table (truncation, next page).
 */
export function tableItems(a: Answer): Record<string, unknown>[] {
  if (a.isError) throw new Error(`the call failed: ${a.text}`);
  const list = (a.structured?.items ?? []) as Record<string, unknown>[];
  const lines = a.text.split('\n');
  if (!list.length) return list;
  for (let i = 0; i < list.length; i++) {
    const first = String(Object.values(list[i])[0]);
    const line = lines[i + 1] ?? '';
    if (line !== first && !line.startsWith(`${first} `)) throw new Error(`table line ${i + 1} is not item ${i} (${first}):\n${a.text}`);
  }
  const rest = lines.slice(list.length + 1);
  if (rest.some((l) => l && !/^(… \[truncated|More results exist)/.test(l))) throw new Error(`lines after the table:\n${a.text}`);
  return list;
}

/** Waits (up to 10 s, polling every 25 ms) until `ok` holds, then asserts it, naming `what`: order of events, not timing. */
export async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(ok(), what).toBe(true);
}

/** Runs `bin/run.js ARGS` without blocking the event loop (tests that serve HTTP in this process): exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
