import type { Cancel, Clock } from './clock.js';
import { sleepOn } from './system-clock.js';

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/**
 * A clock tests move by hand, so the 90 s and 4 h rules run without waiting. Wall time and the
 * monotonic reading move together; timers fire in order of their time (then of their creation)
 * as `advance` passes them.
 */
export class ManualClock implements Clock {
  #now: number;
  #monotonic = 0;
  #created = 0;
  readonly #timers = new Set<PendingTimer>();

  constructor(start: Date | number = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  monotonic(): number {
    return this.#monotonic;
  }

  after(ms: number, callback: () => void): Cancel {
    const timer: PendingTimer = { at: this.#monotonic + Math.max(0, ms), order: this.#created++, callback };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** How many timers are waiting: lets a test wait until the code under test has armed one. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Milliseconds until the earliest waiting timer falls due, or `undefined` when none waits: lets
   * a test read the schedule the code under test chose, then move time exactly that far.
   */
  get nextTimerInMs(): number | undefined {
    const next = this.#due(Number.POSITIVE_INFINITY);
    return next && next.at - this.#monotonic;
  }

  /** Moves time on, firing each timer that falls due on the way, synchronously, in order. */
  advance(ms: number): void {
    const target = this.#monotonic + ms;
    for (let next = this.#due(target); next; next = this.#due(target)) {
      this.#timers.delete(next);
      this.#moveTo(next.at);
      next.callback();
    }
    this.#moveTo(target);
  }

  /**
   * Moves time on like `advance`, but lets promise callbacks run after each timer, so work a
   * timer starts (a retry that sleeps again, a loop that re-arms) is seen before time moves on.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#monotonic + ms;
    await settle();
    for (let next = this.#due(target); next; next = this.#due(target)) {
      this.#timers.delete(next);
      this.#moveTo(next.at);
      next.callback();
      await settle();
    }
    this.#moveTo(target);
    await settle();
  }

  #moveTo(monotonic: number): void {
    if (monotonic <= this.#monotonic) return;
    this.#now += monotonic - this.#monotonic;
    this.#monotonic = monotonic;
  }

  #due(target: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > target) continue;
      if (!earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.order < earliest.order)) earliest = timer;
    }
    return earliest;
  }
}

/** Lets queued promise callbacks and one macrotask turn run. */
async function settle(): Promise<void> {
  for (let round = 0; round < 10; round++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
