import { describe, expect, it } from 'vitest';
import { OutputTail } from '../src/output-tail.js';

describe('OutputTail', () => {
  it('keeps exactly the last `limit` characters, in order, however the text arrived', () => {
    const tail = new OutputTail(10);
    expect(tail.text()).toBe('');
    let written = '';
    for (let index = 0; index < 50; index += 1) {
      const piece = `${index},`;
      tail.add(piece);
      written += piece;
      expect(tail.text()).toBe(written.slice(-10));
    }
  });

  it('keeps a long run of lines cheaply and still returns the newest ones', () => {
    const tail = new OutputTail(1024 * 1024);
    const line = `${'x'.repeat(140)}\n`;
    const started = performance.now();
    for (let index = 0; index < 20_000; index += 1) tail.add(line);
    // Re-slicing 1 MiB per line took about 7 s for these 20 000 lines.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(tail.text()).toHaveLength(1024 * 1024);
    expect(tail.text().endsWith(line)).toBe(true);
  });
});
