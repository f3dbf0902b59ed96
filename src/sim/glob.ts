/**
 * `*` wildcards as Nomad matches ACL namespace, variable-path and host-volume globs: a port of
 * github.com/ryanuber/go-glob's Glob (used by acl/acl.go findAllMatchingWildcards). Each literal
 * part is found with one left-to-right search, first match wins, so the work is linear in the
 * pattern's parts times the subject, with no backtracking.
 */
export function glob(pattern: string, subject: string): boolean {
  if (pattern === '') return subject === pattern;
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return subject === pattern;
  const leading = pattern.startsWith('*');
  const trailing = pattern.endsWith('*');
  const end = parts.length - 1;
  let rest = subject;
  for (let i = 0; i < end; i++) {
    const idx = rest.indexOf(parts[i]);
    if (i === 0) {
      if (!leading && idx !== 0) return false;
    } else if (idx < 0) return false;
    rest = rest.slice(idx + parts[i].length);
  }
  return trailing || rest.endsWith(parts[end]);
}
