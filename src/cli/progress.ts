/** Where progress goes: process.stderr, or anything shaped like it (tests). */
export interface ProgressOut {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/**
 * Progress notifications of `tools call` on the terminal. On a TTY a one-line status
 * (`[1/2] 1/2 healthy, running`) is redrawn in place and cleared when the answer comes; a message of
 * several lines (follow_job_logs' new log lines) is printed above it, as `tail -f` would. Piped, every
 * notification is one plain `progress p/total: message` line (no escape codes), for logs and scripts.
 */
export function progressPrinter(out: ProgressOut) {
  let open = false; // a status line is drawn and not yet ended
  const clear = () => {
    if (open) out.write('\r\x1b[2K');
    open = false;
  };
  return {
    update(progress: number, total: number | undefined, message: string | undefined): void {
      const count = `${progress}${total ? `/${total}` : ''}`;
      if (!out.isTTY) {
        out.write(`progress ${count}${message ? `: ${message}` : ''}\n`);
        return;
      }
      clear();
      if (message?.includes('\n')) {
        out.write(message.endsWith('\n') ? message : `${message}\n`);
        return;
      }
      const line = `[${count}] ${message ?? ''}`.trimEnd();
      const width = Math.max(20, (out.columns ?? 80) - 1);
      out.write(line.length > width ? `${line.slice(0, width - 1)}…` : line);
      open = true;
    },
    /** Before the answer is printed: the status line goes away. */
    done(): void {
      clear();
    },
  };
}
