import type { WakeClock } from '../../../src/wake/wake-clock.js';

/**
 * A clock on which every sleep ends at once, moving time forward by what it slept; it records
 * each pause so a test reads the schedule a wake followed without waiting it out.
 */
export class VirtualClock implements WakeClock {
  readonly sleeps: number[] = [];
  private time = 0;

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.sleeps.push(ms);
    this.time += ms;
    await Promise.resolve();
    signal.throwIfAborted();
  }
}
