import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/manual-clock.js';
import { settledWithin } from '../src/settled-within.js';

describe('settledWithin', () => {
  it('resolves once every promise settled, rejections included, before the time is up', async () => {
    const clock = new ManualClock();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    let done = false;
    const waiting = settledWithin(clock, 1_000, [slow, Promise.reject(new Error('refused'))]).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await waiting;
    expect(done).toBe(true);
  });

  it('resolves when the time is up, whatever is still pending', async () => {
    const clock = new ManualClock();
    let done = false;
    const waiting = settledWithin(clock, 1_000, [new Promise(() => undefined)]).then(() => (done = true));
    clock.advance(999);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await waiting;
    expect(done).toBe(true);
  });
});
