/**
 * The simulated agent's own log, for GET /v1/agent/monitor. Lines are written as Nomad's hclog writes
 * them (`2025-01-02T03:04:05.678Z [DEBUG] http: request complete: method=GET path=/v1/jobs duration=1ms`),
 * and only reach monitors open when they are written: a monitor sees nothing from before it started
 * (nomad/client_agent_endpoint.go monitor ~228: monitor.Start streams new lines only).
 */
import { EventEmitter } from 'node:events';

/** hclog levels, lowest first (go-hclog LevelFromString: trace, debug, info, warn, error). */
export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

export interface AgentLine {
  level: Level;
  /** The formatted line, newline included. */
  text: string;
  /** Set for a client agent's line (exec sessions): a monitor with node_id sees only its node's. */
  nodeId?: string;
}

/** go-hclog's key=value rendering: values with spaces or quotes are quoted. */
function kv(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      return `${k}=${/[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
    })
    .join(' ');
}

export class AgentLog {
  private readonly events = new EventEmitter();
  /** Lines written since start (monitors or not). */
  written = 0;

  constructor() {
    this.events.setMaxListeners(0);
  }

  write(level: Level, name: string, msg: string, fields: Record<string, unknown> = {}, nodeId?: string): void {
    const rest = Object.keys(fields).length ? `: ${kv(fields)}` : '';
    const text = `${new Date().toISOString()} [${level}]${' '.repeat(Math.max(1, 6 - level.length))}${name}: ${msg}${rest}\n`;
    this.written++;
    this.events.emit('line', { level, text, nodeId } satisfies AgentLine);
  }

  subscribe(fn: (line: AgentLine) => void): () => void {
    this.events.on('line', fn);
    return () => this.events.off('line', fn);
  }

  /** Monitors open now. */
  get listeners(): number {
    return this.events.listenerCount('line');
  }
}
