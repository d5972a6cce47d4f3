import { describe, expect, it } from 'vitest';
import { ms, tokenPair, utcDateTime, utcTime } from '../src/format.js';

describe('durations', () => {
  it('are written as the CLI writes them', () => {
    expect(ms(870.4)).toBe('870 ms');
    expect(ms(4887)).toBe('4.9 s');
    expect(ms(59_949)).toBe('59.9 s');
    expect(ms(125_000)).toBe('2m 05s');
  });

  it('say – when nothing was measured', () => {
    expect(ms(null)).toBe('–');
    expect(ms(undefined)).toBe('–');
  });
});

describe('an audit record\'s tokens', () => {
  it('are prompt/completion, with – for a count the upstream did not give', () => {
    expect(tokenPair(10, 6)).toBe('10/6');
    expect(tokenPair(10, null)).toBe('10/–');
    expect(tokenPair(null, null)).toBe('–');
    expect(tokenPair(0, 0)).toBe('0/0');
  });
});

describe('times in UTC', () => {
  it('writes an audit time and a time of day in UTC, whatever the zone the page runs in', () => {
    expect(utcDateTime('2026-03-01T23:30:05.123Z')).toBe('2026-03-01 23:30:05');
    expect(utcTime(Date.parse('2026-03-01T23:30:05Z'))).toBe('23:30:05');
  });
});
