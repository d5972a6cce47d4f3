import { describe, expect, it } from 'vitest';
import { ms, tokenPair } from '../src/format.js';

describe('durations', () => {
  it('are written as the CLI writes them', () => {
    expect(ms(870.4)).toBe('870 ms');
    expect(ms(4887)).toBe('4.9 s');
    expect(ms(59_949)).toBe('59.9 s');
    expect(ms(125_000)).toBe('2 min 5 s');
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
