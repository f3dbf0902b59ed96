import { createHash } from 'node:crypto';
import { appendFile, open } from 'node:fs/promises';

/** A token's fingerprint: enough to tell clients apart in logs, useless to an attacker. */
export function fingerprint(token: string | undefined): string | undefined {
  return token ? `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}` : undefined;
}

/** A session ID's fingerprint: correlates the lines of one session; the ID itself (a bearer secret) is never logged. */
export function sessionFingerprint(id: string): string {
  return `sid:${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;
}

/** A digest of the arguments: the same call is recognisable, the values are not stored. */
export function argsDigest(args: unknown): string {
  return createHash('sha256').update(JSON.stringify(args ?? {})).digest('hex').slice(0, 16);
}

export interface AuditRecord {
  time: string;
  transport: string;
  /** The raw session ID; the log writes only its fingerprint. */
  session?: string;
  /** The caller's identity (token fingerprint or address). */
  client?: string;
  /** OAuth: the accessor ID of the Nomad token the call used (never its secret). */
  nomadAccessor?: string;
  /** With several clusters: the cluster a Nomad call ran on (`?` for a name that is none). */
  cluster?: string;
  /** A tool name, `resource:<name>`, an MCP method, or the HTTP request a refusal was about. */
  tool: string;
  args?: string;
  outcome: 'ok' | 'error' | 'denied' | 'input-required';
  category?: string;
  /** Why a request was denied. */
  reason?: string;
  ms: number;
}

/** Longest text field written (a caller-chosen tool name can be megabytes). */
export const AUDIT_FIELD_MAX = 200;

function capped(v: string): string {
  return v.length > AUDIT_FIELD_MAX ? `${v.slice(0, AUDIT_FIELD_MAX)}…` : v;
}

/**
 * Appends one JSON line per tool call (and per refused session access). The file is created with
 * mode 0600, and narrowed to 0600 if it exists with a wider mode. Session IDs are replaced by their
 * fingerprint and every text field is capped; writes are serialised so lines never interleave.
 */
export class AuditLog {
  private chain: Promise<void>;
  constructor(private readonly file: string) {
    this.chain = this.prepare();
  }

  private warn(msg: string): void {
    process.stderr.write(`nomad-mcp warn: ${msg}\n`);
  }

  private async prepare(): Promise<void> {
    try {
      const fh = await open(this.file, 'a', 0o600);
      try {
        const mode = (await fh.stat()).mode & 0o777;
        if (mode & 0o077) {
          try {
            await fh.chmod(0o600);
            this.warn(`audit log ${this.file} had mode 0${mode.toString(8)}; narrowed to 0600`);
          } catch (err) {
            this.warn(`audit log ${this.file} has mode 0${mode.toString(8)} (readable by others) and cannot be narrowed: ${(err as Error).message}`);
          }
        }
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.warn(`cannot open audit log ${this.file}: ${(err as Error).message}`);
    }
  }

  write(rec: AuditRecord): void {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (v === undefined) continue;
      out[k] = k === 'session' ? sessionFingerprint(String(v)) : typeof v === 'string' ? capped(v) : v;
    }
    const line = `${JSON.stringify(out)}\n`;
    this.chain = this.chain.then(() => appendFile(this.file, line, { mode: 0o600 })).catch((err) => {
      this.warn(`cannot write audit log ${this.file}: ${(err as Error).message}`);
    });
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
