import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/system-clock.js';

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

describe('the system clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits a delay past what a Node timer takes (about 24.8 days) in steps, rather than firing at once', () => {
    vi.useFakeTimers();
    let fired = 0;
    systemClock.after(THIRTY_DAYS_MS, () => (fired += 1));
    vi.advanceTimersByTime(1_000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(THIRTY_DAYS_MS - 1_001);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
  });

  it('cancels such a wait in any of its steps', () => {
    vi.useFakeTimers();
    let fired = 0;
    const cancel = systemClock.after(THIRTY_DAYS_MS, () => (fired += 1));
    vi.advanceTimersByTime(2 ** 31);
    cancel();
    vi.advanceTimersByTime(THIRTY_DAYS_MS);
    expect(fired).toBe(0);
  });
});
