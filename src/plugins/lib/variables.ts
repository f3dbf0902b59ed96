/** Nomad variable paths. */
import { ToolError } from '../../host/plugin.js';
import { nomadPath } from '../../host/template.js';

/** `/v1/var/<path>` with every part encoded on its own (`a/b` stays two segments, `..` cannot climb). */
export function variablePath(path: string): string {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.some((p) => p === '')) throw new ToolError(`"${path}" is not a variable path: it has an empty segment.`, 'caller');
  return `${nomadPath`/v1/var`}/${parts.map((p) => nomadPath`${p}`).join('/')}`;
}
