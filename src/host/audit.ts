import { createHash } from 'node:crypto';
import { appendFile } from 'node:fs/promises';

/** A token's fingerprint: enough to tell clients apart in logs, useless to an attacker. */
export function fingerprint(token: string | undefined): string | undefined {
  return token ? `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}` : undefined;
}

/** A digest of the arguments: the same call is recognisable, the values are not stored. */
export function argsDigest(args: unknown): string {
  return createHash('sha256').update(JSON.stringify(args ?? {})).digest('hex').slice(0, 16);
}

export interface AuditRecord {
  time: string;
  transport: string;
  session?: string;
  client?: string;
  tool: string;
  args: string;
  outcome: 'ok' | 'error' | 'denied';
  category?: string;
  ms: number;
}

/** Appends one JSON line per tool call; writes are serialised so lines never interleave. */
export class AuditLog {
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly file: string) {}

  write(rec: AuditRecord): void {
    const line = `${JSON.stringify(rec)}\n`;
    this.chain = this.chain.then(() => appendFile(this.file, line)).catch((err) => {
      process.stderr.write(`nomad-mcp warn: cannot write audit log ${this.file}: ${(err as Error).message}\n`);
    });
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
