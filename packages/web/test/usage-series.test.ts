import type { UsageHour } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { hourSlots, labelled, labelStep, requestsText, seriesOf, UNKNOWN_KEY } from '../src/views/usage-series.js';

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

describe('the usage chart axis', () => {
  const at = (iso: string) => Date.parse(iso);

  it('has every hour of the window, with or without requests', () => {
    const slots = hourSlots('2026-12-05T06:30:00.000Z', '2026-12-05T10:30:00.000Z');
    expect(slots.map((slot) => new Date(slot).toISOString())).toEqual([
      '2026-12-05T06:00:00.000Z',
      '2026-12-05T07:00:00.000Z',
      '2026-12-05T08:00:00.000Z',
      '2026-12-05T09:00:00.000Z',
      '2026-12-05T10:00:00.000Z',
    ]);
    expect(hourSlots('2026-12-05T06:00:00.000Z', '2026-12-06T06:00:00.000Z')).toHaveLength(24);
    expect(hourSlots('2026-11-05T06:00:00.000Z', '2026-12-05T06:00:00.000Z')).toHaveLength(720);
  });

  it('thins its labels to round hours far enough apart to read', () => {
    expect(labelStep(40)).toBe(1);
    expect(labelStep(28)).toBe(2);
    expect(labelStep(5.7)).toBe(12);
    expect(labelStep(2)).toBe(24);
    expect(labelStep(0.5)).toBe(168);
    expect(labelled(at('2026-12-05T12:00:00.000Z'), 6)).toBe(true);
    expect(labelled(at('2026-12-05T13:00:00.000Z'), 6)).toBe(false);
    expect(labelled(at('2026-12-05T00:00:00.000Z'), 24)).toBe(true);
  });

  it('counts requests in words that agree', () => {
    expect(requestsText(1)).toBe('1 request');
    expect(requestsText(0)).toBe('0 requests');
    expect(requestsText(12)).toBe('12 requests');
  });
});
