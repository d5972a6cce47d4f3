import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/registrar/backoff.js';

describe('Backoff', () => {
  it('doubles from the base to the ceiling, stretched by up to a quarter and never past the ceiling', () => {
    const low = new Backoff(100, 1_000, () => 0);
    expect([low.next(), low.next(), low.next(), low.next(), low.next()]).toEqual([100, 200, 400, 800, 1_000]);
    const high = new Backoff(100, 1_000, () => 1);
    expect([high.next(), high.next(), high.next(), high.next(), high.next()]).toEqual([125, 250, 500, 1_000, 1_000]);
    high.reset();
    expect(high.next()).toBe(125);
  });
});
