import { describe, expect, it } from 'vitest';
import { ReconnectSchedule } from '../../src/registrar/reconnect-schedule.js';

describe('ReconnectSchedule', () => {
  it('comes back within a second after a stream that was up, backing off 5 s → 60 s only on failed attempts', () => {
    let random = 0.5;
    const schedule = new ReconnectSchedule({ baseMs: 5_000, maxMs: 60_000, random: () => random });
    expect(schedule.afterStreamEnded(60_000)).toBe(500);
    expect([schedule.afterFailedAttempt(), schedule.afterFailedAttempt(), schedule.afterFailedAttempt()]).toEqual([5_625, 11_250, 22_500]);
    // A stream that ends at once is not a success: the backoff goes on growing.
    expect(schedule.afterStreamEnded(300)).toBe(45_000);
    expect(schedule.afterFailedAttempt()).toBe(60_000);
    // A stream that stayed up resets it.
    random = 0;
    expect(schedule.afterStreamEnded(1_000)).toBe(250);
    expect(schedule.afterFailedAttempt()).toBe(5_000);
    random = 0.999;
    expect(schedule.afterStreamEnded(10_000)).toBe(750);
  });

  it('comes back when a refusal asks (a draining replica: 1 s), but backs off from a server that keeps asking', () => {
    const schedule = new ReconnectSchedule({ baseMs: 5_000, maxMs: 60_000, random: () => 0.5 });
    expect([schedule.afterRetryAfter(1_000), schedule.afterRetryAfter(1_000), schedule.afterRetryAfter(1_000)]).toEqual([1_250, 1_250, 1_250]);
    expect(schedule.afterRetryAfter(1_000)).toBe(45_000);
    // Asked for longer than the backoff: that long.
    expect(schedule.afterStreamEnded(60_000)).toBe(500);
    expect(schedule.afterRetryAfter(30_000)).toBe(30_000);
    // A stream that stayed up makes the next refusals' requests count again.
    expect(schedule.afterStreamEnded(60_000)).toBe(500);
    expect(schedule.afterRetryAfter(1_000)).toBe(1_250);
  });
});
