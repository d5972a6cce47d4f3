import { describe, expect, it } from 'vitest';
import type { StreamRecord } from '../src/stream-burst.js';
import { addedGapsMs, expectedTokens, streamProblem, summarizeBurst } from '../src/stream-burst-figures.js';

const record = (words: string[], tokens: string[], arrivalsMs: number[], changes: Partial<StreamRecord> = {}): StreamRecord => ({
  words,
  status: 200,
  sentAtMs: 0,
  tokens,
  arrivalsMs,
  chunks: tokens.length + 2,
  endedAtMs: (arrivalsMs.at(-1) ?? 0) + 1,
  error: undefined,
  ...changes,
});

describe('expectedTokens and streamProblem', () => {
  it('expects the echo of the prompt, one word per token with its leading space', () => {
    expect(expectedTokens(['s1w0', 's1w1'])).toEqual(['user:', ' s1w0', ' s1w1']);
  });

  it('accepts a whole stream in order and names the first token out of place, a short stream or a failed one', () => {
    const words = ['s1w0', 's1w1'];
    expect(streamProblem(record(words, ['user:', ' s1w0', ' s1w1'], [50, 100, 150]))).toBeUndefined();
    expect(streamProblem(record(words, ['user:', ' s1w1', ' s1w0'], [50, 100, 150]))).toBe('token 2 is " s1w1", expected " s1w0"');
    // A token of another stream is out of place even where the word index matches.
    expect(streamProblem(record(words, ['user:', ' s2w0', ' s1w1'], [50, 100, 150]))).toBe('token 2 is " s2w0", expected " s1w0"');
    expect(streamProblem(record(words, ['user:', ' s1w0'], [50, 100]))).toBe('2 tokens, expected 3');
    expect(streamProblem(record(words, ['user:', ' s1w0', ' s1w1'], [50, 100, 150], { error: 'HTTP 429' }))).toBe('HTTP 429');
  });
});

describe('addedGapsMs', () => {
  it('is each gap between consecutive tokens beyond the pacing', () => {
    expect(addedGapsMs([50, 100, 162, 200], 50)).toEqual([0, 12, -12]);
    expect(addedGapsMs([50], 50)).toEqual([]);
  });
});

describe('summarizeBurst', () => {
  it('counts streams whole and in order, takes gaps from every stream, and charges the gateway CPU per chunk', () => {
    const words = ['a', 'b'];
    const good = record(words, ['user:', ' a', ' b'], [55, 105, 160]);
    const late = record(words, ['user:', ' a', ' b'], [70, 120, 260], { sentAtMs: 10 });
    const short = record(words, ['user:'], [52], { error: 'still open after 60000 ms' });
    const figures = summarizeBurst('paced-relay-websocket', [good, late, short], 50, [
      { name: 'mcpd', pid: 1, gateway: true, seconds: 0.0006 },
      { name: 'mcplocal (websocket)', pid: 2, gateway: true, seconds: 0.0004 },
      { name: 'the paced fake upstream', pid: 3, gateway: false, seconds: 0.5 },
    ]);
    expect(figures).toMatchObject({ streams: 3, inOrder: 2, failureCount: 1, failures: ['stream 2: still open after 60000 ms'], tokens: 7, chunks: 13 });
    // Gaps beyond 50 ms: 0 and 5 from the first stream, 0 and 90 from the second; nearest rank.
    expect(figures.addedInterTokenMs).toMatchObject({ count: 4, p50: 0, p99: 90, max: 90 });
    // First tokens 55, 60 and 52 ms after sending, less one 50 ms interval.
    expect(figures.addedFirstTokenMs).toMatchObject({ count: 3, min: 2, max: 10 });
    expect(figures.wallSeconds).toBeCloseTo(0.261, 10);
    expect(figures.gatewayMicrosPerChunk).toBeCloseTo(1000 / 13, 10);
    expect(figures.cpu[2]!.percentOfCore).toBeCloseTo((0.5 / 0.261) * 100, 6);
  });

  it('has no gateway CPU figure for the direct path', () => {
    const figures = summarizeBurst('paced-direct', [record(['a'], ['user:', ' a'], [50, 100])], 50, [{ name: 'fake', pid: 3, gateway: false, seconds: 0.1 }]);
    expect(figures.gatewayMicrosPerChunk).toBeUndefined();
    expect(figures.inOrder).toBe(1);
  });
});
