import { describe, expect, it } from 'vitest';
import { wakeDelayFor } from '../src/measure-wake.js';
import { summarizeWake, wakeSample } from '../src/wake-overhead.js';

// Request sent at 1000, wake called at 1006, backend up at 1506.5, probe saw it at 1631, answer at 1650.
const instants = { sentAt: 1000, wakeCalledAt: 1006, readyAt: 1506.5, detectedAt: 1631, answeredAt: 1650 };

describe('wakeSample', () => {
  it('cuts the wait at the wake call, the backend coming up and the probe that saw it', () => {
    expect(wakeSample('bench-wake-1', 500, 200, instants)).toEqual({
      llm: 'bench-wake-1',
      wakeDelayMs: 500,
      status: 200,
      totalMs: 650,
      untilWakeCallMs: 6,
      backendWakeMs: 500.5,
      overheadMs: 143.5,
      probeLagMs: 124.5,
    });
    expect(wakeSample('bench-wake-1', 500, 200, { ...instants, detectedAt: undefined }).probeLagMs).toBeUndefined();
  });
});

describe('summarizeWake', () => {
  const shifted = (by: number) => ({ ...instants, readyAt: instants.readyAt - by, detectedAt: instants.detectedAt - by });

  it('holds the p50 of ready-to-answer to the target and leaves failed wakes out of the figures', () => {
    const samples = [
      wakeSample('a', 500, 200, shifted(0)), // overhead 143.5
      wakeSample('b', 500, 200, shifted(100)), // 243.5
      wakeSample('c', 500, 200, shifted(200)), // 343.5
      wakeSample('d', 500, 503, shifted(-100)), // failed: not counted
    ];
    const figures = summarizeWake(samples, 300);
    expect(figures.samples).toHaveLength(4);
    expect(figures.overheadMs).toMatchObject({ count: 3, p50: 243.5, max: 343.5 });
    expect(figures.probeLagMs.p50).toBe(124.5);
    expect(figures.afterDetectionMs.p50).toBeCloseTo(119, 10);
    expect(figures.verdict).toMatchObject({ met: true, measured: 243.5, limit: 300, unit: 'ms' });
    expect(summarizeWake(samples, 200).verdict.met).toBe(false);
  });

  it('misses the target when no wake answered', () => {
    expect(summarizeWake([wakeSample('a', 500, 503, instants)], 300).verdict).toMatchObject({ met: false, measured: Number.NaN });
  });
});

describe('wakeDelayFor', () => {
  const delays = [250, 500, 750, 1000, 1250, 1500];
  const pick = (samples: number) => Array.from({ length: samples }, (_, index) => wakeDelayFor(index, samples, delays));

  it('spreads fewer samples than delays over the whole range, and goes round when there are more', () => {
    expect(pick(6)).toEqual(delays);
    expect(pick(3)).toEqual([250, 750, 1250]);
    expect(pick(8)).toEqual([...delays, 250, 500]);
    expect(Array.from({ length: 3 }, (_, index) => wakeDelayFor(index, 3, [500]))).toEqual([500, 500, 500]);
  });
});
