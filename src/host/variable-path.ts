/** Nomad's rule for a variable path (nomad/structs/variables.go ~366). */
export const VARIABLE_PATH = /^[a-zA-Z0-9\-_~/]{1,128}$/;

/** A variables prefix as the catalog names it (`--tools-from-nomad`): no leading or trailing slash, a valid Nomad path. */
export function variablesPrefix(raw: string): string {
  const prefix = raw.trim().replace(/^\/+|\/+$/g, '');
  if (!VARIABLE_PATH.test(prefix)) {
    throw new Error(`"${raw}" is not a Nomad Variable path (letters, digits, -, _, ~ and /, at most 128 characters)`);
  }
  return prefix;
}
