import type { Clock } from '../../src/clock.js';

interface PendingTimer {
  at: number;
  callback: () => void;
}

/** A clock tests move by hand, so the 90 s and 4 h rules run without waiting. */
export class ManualClock implements Clock {
  #now: number;
  readonly #timers = new Set<PendingTimer>();

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  after(ms: number, callback: () => void): () => void {
    const timer = { at: this.#now + ms, callback };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  /** Moves time on, firing each timer that falls due on the way in order of its time. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let next = this.#due(target); next; next = this.#due(target)) {
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = target;
  }

  #due(target: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of this.#timers) if (timer.at <= target && (!earliest || timer.at < earliest.at)) earliest = timer;
    return earliest;
  }
}
