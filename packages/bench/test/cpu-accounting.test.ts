import { describe, expect, it } from 'vitest';
import { cpuBetween, microsecondsPerChunk, percentOfCore, sumCpu } from '../src/cpu-accounting.js';
import { combineSlices } from '../src/load-figures.js';
import type { LoadSlice } from '../src/load-run.js';

describe('CPU accounting', () => {
  it('charges CPU seconds per chunk in microseconds, and says n/a rather than dividing by nothing', () => {
    expect(microsecondsPerChunk(0.9, 20_000)).toBeCloseTo(45, 10);
    expect(microsecondsPerChunk(undefined, 20_000)).toBeUndefined();
    expect(microsecondsPerChunk(0.9, 0)).toBeUndefined();
  });

  it('reads CPU over wall time as a share of one core', () => {
    expect(percentOfCore(1.5, 3)).toBeCloseTo(50, 10);
    expect(percentOfCore(2.4, 2)).toBeCloseTo(120, 10);
    expect(percentOfCore(1, 0)).toBeUndefined();
    expect(percentOfCore(undefined, 3)).toBeUndefined();
  });

  it('adds readings only when every one of them was read', () => {
    expect(cpuBetween(1.25, 2)).toBeCloseTo(0.75, 10);
    expect(cpuBetween(undefined, 2)).toBeUndefined();
    expect(sumCpu([0.5, 0.25])).toBeCloseTo(0.75, 10);
    expect(sumCpu([0.5, undefined])).toBeUndefined();
    expect(sumCpu([])).toBe(0);
  });

  it('charges the gateway processes, not the upstream, per streamed chunk over every slice', () => {
    const slice = (ok: number, gatewayCpuSeconds: number | undefined): LoadSlice => ({
      ok,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      durationSeconds: 1,
      latenciesMs: [1],
      serverCpuSeconds: 1,
      gatewayCpuSeconds,
      clientCpuSeconds: 0.1,
    });
    // 300 answers of 18 chunks in 0.27 s of gateway CPU: 50 µs per chunk; the upstream's share is not in it.
    const figures = combineSlices([slice(100, 0.09), slice(200, 0.18)], 18);
    expect(figures.gatewayCpuMicrosPerChunk).toBeCloseTo(50, 10);
    expect(figures.serverCpuMsPerRequest).toBeCloseTo((2 * 1000) / 300, 10);
    expect(combineSlices([slice(100, 0.09)]).gatewayCpuMicrosPerChunk).toBeUndefined();
    expect(combineSlices([slice(100, 0.09), slice(100, undefined)], 18).gatewayCpuMicrosPerChunk).toBeUndefined();
  });
});
