import type { Clock } from '../../src/clock.js';

/** A clock tests move by hand, so the 90 s and 4 h rules run without waiting. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
