import { describe, expect, it } from 'vitest';
import { CallerSignal } from '../src/inference/caller-signal.js';

describe('CallerSignal', () => {
  it('runs each listener once, in the order added, on the first abort only', () => {
    const signal = new CallerSignal();
    const ran: string[] = [];
    signal.addEventListener('abort', () => ran.push('queue'));
    signal.addEventListener('abort', () => ran.push('upstream'), { once: true });
    expect(signal.aborted).toBe(false);
    signal.abort();
    signal.abort();
    expect(signal.aborted).toBe(true);
    expect(ran).toEqual(['queue', 'upstream']);
  });

  it('skips a listener removed before the abort, or by an earlier listener during it, and never runs one added after it', () => {
    const signal = new CallerSignal();
    const ran: string[] = [];
    const removedBefore = () => ran.push('removed before');
    const removedDuring = () => ran.push('removed during');
    signal.addEventListener('abort', removedBefore);
    signal.removeEventListener('abort', removedBefore);
    signal.addEventListener('abort', () => {
      ran.push('first');
      signal.removeEventListener('abort', removedDuring);
      signal.addEventListener('abort', () => ran.push('added during'));
    });
    signal.addEventListener('abort', removedDuring);
    signal.abort();
    signal.addEventListener('abort', () => ran.push('added after'));
    expect(ran).toEqual(['first']);
  });

  it('adds a listener once however often it is added, as an EventTarget does', () => {
    const signal = new CallerSignal();
    let runs = 0;
    const listener = () => (runs += 1);
    signal.addEventListener('abort', listener);
    signal.addEventListener('abort', listener);
    signal.abort();
    expect(runs).toBe(1);
  });

  it('runs every listener when one throws, and reports each failure apart instead of throwing to whoever aborted', () => {
    const failures: unknown[] = [];
    const signal = new CallerSignal((error) => failures.push(error));
    const ran: string[] = [];
    signal.addEventListener('abort', () => {
      throw new Error('first broke');
    });
    signal.addEventListener('abort', () => {
      throw new Error('second broke');
    });
    signal.addEventListener('abort', () => ran.push('third'));
    expect(() => signal.abort()).not.toThrow();
    expect(ran).toEqual(['third']);
    expect(failures.map((error) => (error as Error).message)).toEqual(['first broke', 'second broke']);
    expect(signal.aborted).toBe(true);
  });
});
