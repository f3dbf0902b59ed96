/** Nomad variable paths. */
import { ToolError } from '../../host/plugin.js';
import { nomadPath } from '../../host/template.js';

/**
 * Nomad's own rule for a variable path: `^[a-zA-Z0-9-_~/]{1,128}$` (nomad/structs/variables.go:365,
 * validVariablePath; anything else is answered 400 `invalid path`). Written with `-` last so it is the same class
 * in JavaScript's unicode mode (the input schemas in tools.d/ use this very pattern).
 */
export const VARIABLE_PATH_RULE = /^[a-zA-Z0-9_~/-]{1,128}$/;
export const VARIABLE_PATH_MAX = 128;
/** Where save_config keeps a configuration; a name may take what is left of the 128 characters. */
export const CONFIG_PREFIX = 'nomad-mcp/configs/';
export const CONFIG_NAME_MAX = VARIABLE_PATH_MAX - CONFIG_PREFIX.length;

/**
 * The path as Nomad stores it (no leading or trailing `/`), refused unless it follows Nomad's rule and has no
 * empty segment (`a//b`, which a normalising proxy would collapse into another variable). The rule has no `.`,
 * so `.` and `..` segments cannot pass either.
 */
export function checkVariablePath(path: string): string {
  const p = path.replace(/^\/+|\/+$/g, '');
  const shown = path.length > 80 ? `${path.slice(0, 80)}…` : path;
  if (!VARIABLE_PATH_RULE.test(p)) {
    const why = p.length > VARIABLE_PATH_MAX ? `it has ${p.length} characters` : p.length === 0 ? 'it is empty' : 'it has other characters';
    throw new ToolError(
      `"${shown}" is not a Nomad variable path: ${why}. Nomad accepts 1 to ${VARIABLE_PATH_MAX} characters of letters, digits, "-", "_", "~" and "/" (^[a-zA-Z0-9-_~/]{1,128}$).`,
      'caller',
    );
  }
  if (p.split('/').some((s) => s === '')) throw new ToolError(`"${shown}" is not a variable path: it has an empty segment ("//").`, 'caller');
  return p;
}

/** `/v1/var/<path>` with every part encoded on its own (`a/b` stays two segments); the path is checked first. */
export function variablePath(path: string): string {
  const parts = checkVariablePath(path).split('/');
  return `${nomadPath`/v1/var`}/${parts.map((p) => nomadPath`${p}`).join('/')}`;
}

/** A configuration name: one segment of Nomad's variable-path characters (no `/`), short enough for the prefix. */
const CONFIG_NAME_RULE = new RegExp(`^[a-zA-Z0-9_~-]{1,${CONFIG_NAME_MAX}}$`);

/** `/v1/var/nomad-mcp/configs/<name>` for a configuration name (one segment, the whole path within Nomad's rule). */
export function configPath(name: string): string {
  if (!CONFIG_NAME_RULE.test(name)) {
    const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
    throw new ToolError(
      `"${shown}" is not a configuration name: use 1 to ${CONFIG_NAME_MAX} letters, digits, "-", "_" or "~" (it is stored at ${CONFIG_PREFIX}<name>, and Nomad allows 128 characters in a variable path).`,
      'caller',
    );
  }
  return variablePath(`${CONFIG_PREFIX}${name}`);
}
