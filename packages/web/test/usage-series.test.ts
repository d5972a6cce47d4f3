import type { UsageHour } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { seriesOf, UNKNOWN_KEY } from '../src/views/usage-series.js';

const hour = (key: string | null, requests: number, at = '2026-12-05T09:00:00.000Z'): UsageHour => ({
  hour: at,
  key,
  requests,
  errors: 0,
  promptTokens: 0,
  completionTokens: 0,
});

describe('the usage chart series', () => {
  it('gives each key its own colour while they fit the palette, busiest first', () => {
    const series = seriesOf([hour('b', 3), hour('a', 5), hour(null, 1), hour('b', 4, '2026-12-05T10:00:00.000Z')]);
    expect(series.map((one) => one.label)).toEqual(['b', 'a', UNKNOWN_KEY]);
    expect(new Set(series.map((one) => one.colour)).size).toBe(3);
  });

  it('never gives two keys one colour: past the palette the quieter keys share one "others" series', () => {
    const keys = Array.from({ length: 12 }, (_, index) => `llm-${String(index).padStart(2, '0')}`);
    const series = seriesOf(keys.map((key, index) => hour(key, 100 - index)));
    expect(series).toHaveLength(8);
    expect(new Set(series.map((one) => one.colour)).size).toBe(8);
    expect(series.slice(0, 7).map((one) => one.label)).toEqual(keys.slice(0, 7));
    const others = series[7];
    expect(others?.label).toBe('5 others');
    expect([...(others?.keys ?? [])]).toEqual(keys.slice(7));
  });

  it('names eight keys each when there are exactly eight', () => {
    const series = seriesOf(Array.from({ length: 8 }, (_, index) => hour(`k${index}`, 1)));
    expect(series.map((one) => one.label)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
  });
});
