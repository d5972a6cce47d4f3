import { describe, expect, it } from 'vitest';
import { createStatusLine } from '../../src/chat/status-line.js';
import { CapturedStream } from '../helpers/captured-stream.js';

const ESC = '\u001b';

describe('createStatusLine', () => {
  it('pins the line to the bottom row under a scroll region when both streams are terminals', () => {
    const stdout = new CapturedStream({ isTTY: true });
    const stderr = new CapturedStream({ isTTY: true, rows: 30, columns: 20 });
    const line = createStatusLine(stdout, stderr);
    line.start();
    expect(stderr.text).toBe(`\n${ESC}[1A${ESC}7${ESC}[1;29r${ESC}8`);
    stderr.text = '';
    line.update('ttft 120 ms · 42 tok · 35.1 tok/s');
    // Drawn on row 30 with the cursor saved and restored, clipped to the terminal width.
    expect(stderr.text).toBe(`${ESC}7${ESC}[30;1H${ESC}[2K${ESC}[2mttft 120 ms · 42 t…${ESC}[22m${ESC}8`);
    stderr.text = '';
    line.stop();
    expect(stderr.text).toBe(`${ESC}7${ESC}[30;1H${ESC}[2K${ESC}[r${ESC}8`);
    expect(stdout.text).toBe('');
  });

  it('moves the region when the terminal is resized, and forgets the listener on stop', () => {
    const stderr = new CapturedStream({ isTTY: true, rows: 30 });
    const line = createStatusLine(new CapturedStream({ isTTY: true }), stderr);
    line.start();
    line.update('status');
    stderr.rows = 20;
    stderr.text = '';
    stderr.emit('resize');
    expect(stderr.text).toContain(`${ESC}[30;1H${ESC}[2K`);
    expect(stderr.text).toContain(`${ESC}[1;19r`);
    expect(stderr.text).toContain(`${ESC}[20;1H${ESC}[2K${ESC}[2mstatus`);
    line.stop();
    expect(stderr.listenerCount('resize')).toBe(0);
    line.stop();
  });

  it('redraws in place on stderr when stdout is a pipe', () => {
    const stderr = new CapturedStream({ isTTY: true });
    const line = createStatusLine(new CapturedStream(), stderr);
    line.start();
    line.update('waiting');
    line.stop();
    expect(stderr.text).toBe(`\r${ESC}[2K${ESC}[2mwaiting${ESC}[22m\r${ESC}[2K`);
  });

  it('prints nothing when stderr is not a terminal, or shares with stdout a terminal that reports no rows, where a redraw would erase the answer', () => {
    for (const [stdout, stderr] of [
      [new CapturedStream({ isTTY: true }), new CapturedStream()],
      [new CapturedStream({ isTTY: true }), new CapturedStream({ isTTY: true, rows: 0, columns: 0 })],
      [new CapturedStream({ isTTY: true }), new CapturedStream({ isTTY: true, rows: 2 })],
    ] as const) {
      const line = createStatusLine(stdout, stderr);
      line.start();
      line.update('waiting');
      line.stop();
      expect(line.visible).toBe(false);
      expect(stderr.text).toBe('');
    }
  });
});
