import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../src/cli/progress.js';

function sink(isTTY: boolean, columns = 80) {
  const chunks: string[] = [];
  return { out: { isTTY, columns, write: (s: string) => chunks.push(s) }, text: () => chunks.join('') };
}

describe('tools call progress (issue 16.11)', () => {
  it('on a TTY, redraws one status line in place and clears it before the answer', () => {
    const s = sink(true);
    const p = progressPrinter(s.out);
    p.update(0, 2, '0/2 healthy, running');
    p.update(1, 2, '1/2 healthy, running');
    p.done();
    expect(s.text()).toBe('[0/2] 0/2 healthy, running\r\x1b[2K[1/2] 1/2 healthy, running\r\x1b[2K');
    expect(s.text()).not.toContain('\n');
  });

  it('on a TTY, log lines (a message of several lines) are printed above the status, not overwritten', () => {
    const s = sink(true);
    const p = progressPrinter(s.out);
    p.update(1, 3, 'waiting');
    p.update(2, undefined, 'line one\nline two');
    p.done();
    expect(s.text()).toBe('[1/3] waiting\r\x1b[2Kline one\nline two\n');
  });

  it('on a narrow TTY, a long status is cut to the width', () => {
    const s = sink(true, 30);
    progressPrinter(s.out).update(1, 2, 'x'.repeat(100));
    expect(s.text()).toHaveLength(29);
    expect(s.text().endsWith('…')).toBe(true);
  });

  it('piped, plain lines without escape codes', () => {
    const s = sink(false);
    const p = progressPrinter(s.out);
    p.update(0, 2, '0/2 healthy, running');
    p.update(2, 2, undefined);
    p.done();
    expect(s.text()).toBe('progress 0/2: 0/2 healthy, running\nprogress 2/2\n');
  });
});
