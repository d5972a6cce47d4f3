import { describe, expect, it } from 'vitest';
import { deadlineSignal } from '../src/index.js';
import { ManualClock } from '../src/manual-clock.js';

describe('ManualClock', () => {
  it('fires timers in order of their time as advance passes them, and moves both readings together', () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const fired: string[] = [];
    clock.after(300, () => fired.push(`b@${clock.monotonic()}`));
    clock.after(100, () => fired.push(`a@${clock.monotonic()}`));
    const cancel = clock.after(200, () => fired.push('cancelled'));
    cancel();
    clock.advance(250);
    expect(fired).toEqual(['a@100']);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.250Z');
    clock.advance(50);
    expect(fired).toEqual(['a@100', 'b@300']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a timer armed by another timer within the same advance', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.after(10, () => {
      fired.push(clock.monotonic());
      clock.after(10, () => fired.push(clock.monotonic()));
    });
    clock.advance(30);
    expect(fired).toEqual([10, 20]);
  });

  it('tells how far off the earliest waiting timer is', () => {
    const clock = new ManualClock();
    expect(clock.nextTimerInMs).toBeUndefined();
    clock.after(700, () => undefined);
    clock.after(300, () => undefined);
    clock.advance(100);
    expect(clock.nextTimerInMs).toBe(200);
    clock.advance(200);
    expect(clock.nextTimerInMs).toBe(400);
  });

  it('lets a sleeping loop run each round with advanceAsync', async () => {
    const clock = new ManualClock();
    const rounds: number[] = [];
    const loop = (async () => {
      for (let round = 0; round < 3; round++) {
        await clock.sleep(1_000);
        rounds.push(clock.monotonic());
      }
    })();
    await clock.advanceAsync(3_000);
    await loop;
    expect(rounds).toEqual([1_000, 2_000, 3_000]);
  });

  it('rejects a sleep with the signal reason and drops its timer', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(clock.pendingTimers).toBe(0);
  });

  it('bounds work with a deadline signal that follows its parent and clears its timer', () => {
    const clock = new ManualClock();
    const parent = new AbortController();
    const timed = deadlineSignal(clock, 500, { reason: () => new Error('too slow') });
    clock.advance(499);
    expect(timed.signal.aborted).toBe(false);
    clock.advance(1);
    expect(timed.signal.reason).toEqual(new Error('too slow'));

    const followed = deadlineSignal(clock, 500, { parent: parent.signal });
    parent.abort(new Error('caller left'));
    expect(followed.signal.reason).toEqual(new Error('caller left'));
    followed.clear();
    expect(clock.pendingTimers).toBe(0);
  });
});
