import { describe, expect, it } from 'vitest';
import { parseBenchArguments } from '../src/bench-options.js';
import { BenchUsageError } from '../src/errors.js';

describe('parseBenchArguments', () => {
  it('measures 5 s per run by default and 2 s with --quick, explicit flags winning', () => {
    expect(parseBenchArguments([])).toMatchObject({ durationSeconds: 5, warmupSeconds: 1, probeSamples: 2000, tokenCount: 16, json: false, reference: false });
    expect(parseBenchArguments(['--quick'])).toMatchObject({ durationSeconds: 2, probeSamples: 500 });
    expect(parseBenchArguments(['--quick', '--duration', '3', '--json'])).toMatchObject({ durationSeconds: 3, json: true });
  });

  it('names the flag that is wrong', () => {
    expect(() => parseBenchArguments(['--duration', '0'])).toThrow(/--duration/);
    expect(() => parseBenchArguments(['--samples', '1.5'])).toThrow(/--samples/);
    expect(() => parseBenchArguments(['--connections', '8'])).toThrow(BenchUsageError);
  });
});
