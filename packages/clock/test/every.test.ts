import { describe, expect, it } from 'vitest';
import { every } from '../src/index.js';
import { ManualClock } from '../src/manual-clock.js';

describe('every', () => {
  it('calls back once per interval until cancelled', () => {
    const clock = new ManualClock();
    const rounds: number[] = [];
    const cancel = every(clock, 100, () => {
      rounds.push(clock.monotonic());
    });
    clock.advance(350);
    expect(rounds).toEqual([100, 200, 300]);
    cancel();
    clock.advance(1_000);
    expect(rounds).toEqual([100, 200, 300]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('arms the next round only once a round answering a promise has settled, rejected or not', async () => {
    const clock = new ManualClock();
    const started: number[] = [];
    let finish: (() => void) | undefined;
    let fail = true;
    every(clock, 100, () => {
      started.push(clock.monotonic());
      return new Promise<void>((resolve, reject) => {
        finish = fail ? () => reject(new Error('round failed')) : resolve;
      });
    });
    clock.advance(1_000);
    expect(started).toEqual([100]);
    expect(clock.pendingTimers).toBe(0);
    fail = false;
    finish!();
    await clock.advanceAsync(0);
    expect(clock.pendingTimers).toBe(1);
    await clock.advanceAsync(100);
    expect(started).toEqual([100, 1_100]);
  });

  it('stops a round in flight from arming another once cancelled', async () => {
    const clock = new ManualClock();
    let finish: (() => void) | undefined;
    const cancel = every(clock, 100, () => new Promise<void>((resolve) => (finish = resolve)));
    clock.advance(100);
    cancel();
    finish!();
    await clock.advanceAsync(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
