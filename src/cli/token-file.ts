/** `--auth-token-file` / NOMAD_MCP_AUTH_TOKEN_FILE: bearer tokens kept out of the process list. */
import { readFileSync, statSync } from 'node:fs';

/**
 * One token per line; blank lines and surrounding whitespace are ignored. Throws a one-line error
 * that names the file (never its contents) when it cannot be read or holds no token; `warn` hears
 * when the file is readable by other users.
 */
export function readTokenFile(file: string, warn: (msg: string) => void): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
    throw new Error(`cannot read the token file ${file} (${why})`);
  }
  const tokens = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (!tokens.length) throw new Error(`the token file ${file} holds no token (one per line)`);
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    warn(`the token file ${file} is readable by other users; chmod 600 it`);
  }
  return tokens;
}
