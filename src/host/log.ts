/** stderr logger: under stdio, stdout belongs to JSON-RPC. Never pass secrets in `data`. */
export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

export function createLogger(level: LogLevel = (process.env.NOMAD_MCP_LOG_LEVEL as LogLevel) || 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = LEVELS[level] ?? LEVELS.info;
  const emit = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, data?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    write(`nomad-mcp ${lvl}: ${msg}${data ? ` ${JSON.stringify(data)}` : ''}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
