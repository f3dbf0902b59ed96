/**
 * read_allocation_file: a byte range of one file in an allocation directory (`nomad alloc fs <alloc>
 * <path>`), by default its tail. The file is stat'ed first (its size places the tail; a directory is
 * refused), then read with /v1/client/fs/readat, capped, redacted and marked as untrusted.
 */
import { ToolError } from '../host/errors.js';
import { definePlugin } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { resolveAlloc } from './lib/alloc.js';
import { readBody, redactionNote, trimLineEnds, wrapUntrusted } from './lib/log-tail.js';
import { short } from './lib/nomad.js';
import { redact } from './lib/redact.js';

interface Args {
  [key: string]: unknown;
  alloc_id: string;
  path: string;
  offset?: number;
  limit?: number;
}

interface FileInfo {
  Name: string;
  IsDir: boolean;
  Size: number;
  ModTime: string;
}

/**
 * The path as Nomad takes it (relative to the allocation directory; a leading "/" is the same), or a
 * caller error for a `..` segment: Nomad refuses paths that climb out of the allocation directory
 * (client/allocdir/alloc_dir.go "Path escapes the alloc directory"), and a `..` that stays inside
 * says nothing a plain path would not.
 */
export function allocRelativePath(input: string): string {
  const segs = input.split('/');
  if (segs.includes('..')) {
    throw new ToolError(
      `The path "${input}" has a ".." segment; give a path inside the allocation directory, e.g. <task>/local/config.env (list_allocation_files shows the tree).`,
      'caller',
    );
  }
  const clean = segs.filter((s) => s !== '' && s !== '.').join('/');
  if (!clean) throw new ToolError('The path names the allocation directory itself; give a file, e.g. <task>/local/config.env.', 'caller');
  return clean;
}

export default definePlugin<Args>({
  name: 'allocation-file',
  tier: 'read',
  async call(args, ctx) {
    const path = allocRelativePath(args.path);
    const alloc = await resolveAlloc(ctx, args.alloc_id);
    const limit = Math.min(args.limit ?? 8192, ctx.config.maxLogBytes);
    const stat = await ctx.nomad.get<FileInfo>(nomadPath`/v1/client/fs/stat/${alloc.ID}`, { query: { path }, signal: ctx.signal });
    const info = stat.data;
    if (info.IsDir) {
      throw new ToolError(`"${path}" is a directory of allocation ${short(alloc.ID)}; list_allocation_files lists it.`, 'caller');
    }
    const tail = args.offset === undefined;
    const start = tail ? Math.max(0, info.Size - limit) : Math.min(args.offset!, info.Size);
    let text = '';
    let got = 0;
    if (start < info.Size) {
      // a tail reads one byte more, the one before it: a newline there means the tail starts on a whole line
      const from = tail && start > 0 ? start - 1 : start;
      const res = await ctx.nomad.stream(nomadPath`/v1/client/fs/readat/${alloc.ID}`, {
        query: { path, offset: from, limit: limit + (start - from) },
        signal: ctx.signal,
      });
      let body = await readBody(res.body, limit + (start - from));
      got = Math.max(0, body.length - (start - from));
      if (from < start) {
        // show whole lines: drop the fragment of a line the tail starts inside of
        const nl = body.indexOf(0x0a);
        if (nl >= 0 && nl < body.length - 1) body = body.subarray(nl + 1);
        else body = body.subarray(start - from);
      }
      text = trimLineEnds(body.toString('utf8').replace(/^\uFFFD+/, ''));
    }
    const end = start + got;
    const red = redact(text);
    const where = `${path} of allocation ${short(alloc.ID)} (job ${alloc.JobID ?? '?'})`;
    const range = start === 0 && end >= info.Size ? `all ${info.Size} bytes` : `bytes ${start}–${end} of ${info.Size}`;
    const notes: string[] = [];
    if (red.count) notes.push(redactionNote(red.count));
    if (start > 0 && tail) notes.push(`earlier bytes not shown: call again with offset=0 (or a smaller offset) to read them`);
    else if (end < info.Size) notes.push(`more follows: call again with offset=${end}`);
    const answer = info.Size === 0 ? `${where} is empty.` : red.text.trim() === '' && got === 0 ? `Nothing to read in ${where} from offset ${start} (the file has ${info.Size} bytes).` : wrapUntrusted(`${where}, ${range}`, red.text, notes, 'file');
    return {
      text: answer,
      structured: {
        alloc_id: alloc.ID,
        job_id: alloc.JobID ?? null,
        path,
        size: info.Size,
        offset: start,
        bytes: got,
        truncated: start > 0 || end < info.Size,
        redactions: red.count,
        modified: info.ModTime,
      },
    };
  },
});
