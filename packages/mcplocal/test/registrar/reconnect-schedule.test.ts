import { describe, expect, it } from 'vitest';
import { ReconnectSchedule } from '../../src/registrar/reconnect-schedule.js';

describe('ReconnectSchedule', () => {
  it('comes back within a second after a stream that was up, backing off 5 s → 60 s only on failed attempts', () => {
    let random = 0.5;
    const schedule = new ReconnectSchedule({ baseMs: 5_000, maxMs: 60_000, random: () => random });
    expect(schedule.afterStreamEnded(60_000)).toBe(625);
    expect([schedule.afterFailedAttempt(), schedule.afterFailedAttempt(), schedule.afterFailedAttempt()]).toEqual([5_625, 11_250, 22_500]);
    // A stream that ends at once is not a success: the backoff goes on growing.
    expect(schedule.afterStreamEnded(300)).toBe(45_000);
    expect(schedule.afterFailedAttempt()).toBe(60_000);
    // A stream that stayed up resets it.
    random = 0;
    expect(schedule.afterStreamEnded(1_000)).toBe(250);
    expect(schedule.afterFailedAttempt()).toBe(5_000);
    random = 0.999;
    expect(schedule.afterStreamEnded(10_000)).toBe(999);
  });
});
