import { describe, expect, it } from 'vitest';
import { generateRequestId } from '../src/security/token.js';

describe('a request id', () => {
  it('is req_ and 22 characters: the time in base 32, then 72 random bits', () => {
    const at = Date.UTC(2026, 11, 6, 7, 40);
    const id = generateRequestId(at);
    expect(id).toMatch(/^req_[0-9a-v]{10}[A-Za-z0-9_-]{12}$/);
    expect(Number.parseInt(id.slice(4, 14), 32)).toBe(at);
  });

  it('sorts after the ids of earlier milliseconds, in byte order and in a language\'s collation alike', () => {
    const at = Date.UTC(2026, 11, 6);
    const ids = [0, 1, 31, 32, 1000, 86_400_000].map((offset) => generateRequestId(at + offset));
    expect([...ids].sort()).toEqual(ids);
    expect([...ids].sort((a, b) => a.localeCompare(b, 'en'))).toEqual(ids);
  });

  it('never repeats within one millisecond', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => generateRequestId(1_765_000_000_000)));
    expect(ids.size).toBe(20_000);
  });
});
