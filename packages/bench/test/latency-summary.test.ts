import { describe, expect, it } from 'vitest';
import { summarize } from '../src/latency-summary.js';

describe('summarize', () => {
  it('reports nearest-rank percentiles without rounding sub-millisecond values', () => {
    const values = Array.from({ length: 100 }, (_, index) => (index + 1) / 100);
    const summary = summarize(values.reverse());
    expect(summary).toMatchObject({ count: 100, min: 0.01, p50: 0.5, p90: 0.9, p99: 0.99, max: 1 });
    expect(summary.mean).toBeCloseTo(0.505, 10);
  });

  it('says n/a (NaN) rather than zero when nothing was measured', () => {
    expect(summarize([]).p50).toBeNaN();
  });
});
