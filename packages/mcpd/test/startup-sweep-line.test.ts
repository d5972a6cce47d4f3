import { describe, expect, it } from 'vitest';
import { sweepLine } from '../src/services/startup-sweep.js';

describe("the start's line about virtual LLMs", () => {
  it('says what went inactive and whom requests wait for, and nothing when neither happened', () => {
    expect(sweepLine({ markedInactive: 0, expected: 0 }, 15)).toBeUndefined();
    // A clean restart: the rows were already inactive, and one publisher is expected back.
    expect(sweepLine({ markedInactive: 0, expected: 1 }, 15)).toBe('requests for the LLMs of 1 publisher heard from before this start wait up to 15 s for it to reconnect');
    expect(sweepLine({ markedInactive: 8, expected: 2 }, 15)).toBe(
      '8 virtual LLMs marked inactive until their publishers reconnect; requests for the LLMs of 2 publishers heard from before this start wait up to 15 s for them to reconnect',
    );
    expect(sweepLine({ markedInactive: 1, expected: 0 }, 15)).toBe('1 virtual LLM marked inactive until its publisher reconnects');
  });
});
