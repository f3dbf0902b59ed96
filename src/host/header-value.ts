/**
 * What makes a token unsendable in an HTTP header, in words, without the token itself: an HTTP field
 * value carries visible ASCII (RFC 9110 §5.5), and a token has no spaces either. undici refuses anything
 * else with "invalid <name> header", which reads like a network fault.
 */
const NAMES: Record<string, string> = {
  '\r': 'a carriage return (\\r)',
  '\n': 'a line feed (\\n)',
  '\t': 'a tab',
  ' ': 'a space',
  '\0': 'a NUL byte',
};

export function headerValueProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x21 && c <= 0x7e) continue;
    const ch = value[i]!;
    const cp = value.codePointAt(i)!;
    const what = NAMES[ch] ?? (c < 0x20 || c === 0x7f ? `a control character (U+${hex(cp)})` : `"${String.fromCodePoint(cp)}" (U+${hex(cp)})`);
    const where = i === 0 ? 'at its start' : i === value.length - 1 ? 'at its end' : `at character ${i + 1} of ${value.length}`;
    return `${what} ${where}`;
  }
  return undefined;
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}
