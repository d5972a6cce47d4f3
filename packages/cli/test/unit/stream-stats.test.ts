import { describe, expect, it } from 'vitest';
import { formatLiveStatus, formatSummary, formatWholeAnswerSummary, StreamStats } from '../../src/chat/stream-stats.js';

describe('StreamStats', () => {
  it('measures time to first token and tokens per second over the generation time, counting deltas', () => {
    const stats = new StreamStats(1_000);
    expect(stats.snapshot(1_050)).toMatchObject({ phase: 'waiting', ttftMs: undefined, completionTokens: 0, tokensPerSecond: undefined });
    stats.recordContent(1_120);
    for (let at = 1_220; at <= 2_120; at += 100) stats.recordContent(at);
    stats.finish(2_120);
    // 11 deltas between 1 120 and 2 120: 11 tokens in one second.
    expect(stats.snapshot(9_999)).toEqual({
      phase: 'finished',
      elapsedMs: 1_120,
      ttftMs: 120,
      reasoning: undefined,
      completionTokens: 11,
      tokensPerSecond: 11,
    });
  });

  it("prefers the server's usage count to the number of deltas", () => {
    const stats = new StreamStats(0);
    stats.recordContent(100);
    stats.recordContent(600);
    stats.recordUsage({ prompt_tokens: 7, completion_tokens: 42, total_tokens: 49 });
    stats.finish(1_100);
    expect(stats.snapshot(1_100)).toMatchObject({ completionTokens: 42, tokensPerSecond: 42 });
  });

  it('times the reasoning phase apart, from its first delta to the first content delta', () => {
    const stats = new StreamStats(0);
    stats.recordReasoning(200);
    stats.recordReasoning(300);
    expect(stats.snapshot(700)).toMatchObject({ phase: 'reasoning', ttftMs: 200, reasoning: { ms: 500, tokens: 2 } });
    stats.recordReasoning(800);
    stats.recordContent(1_200);
    stats.recordContent(1_400);
    stats.finish(1_400);
    expect(stats.snapshot(1_400)).toMatchObject({ phase: 'finished', ttftMs: 200, reasoning: { ms: 1_000, tokens: 3 }, completionTokens: 5 });
    expect(stats.snapshot(1_400).tokensPerSecond).toBeCloseTo(5 / 1.2);
  });

  it('takes the reasoning token count from usage details when the server reports it', () => {
    const stats = new StreamStats(0);
    stats.recordReasoning(100);
    stats.recordContent(200);
    stats.recordUsage({ prompt_tokens: 1, completion_tokens: 90, total_tokens: 91, completion_tokens_details: { reasoning_tokens: 60 } });
    stats.finish(1_000);
    expect(stats.snapshot(1_000).reasoning).toEqual({ ms: 100, tokens: 60 });
  });
});

describe('status texts', () => {
  it('summarises an answer in one line', () => {
    const stats = new StreamStats(0);
    stats.recordReasoning(120);
    stats.recordContent(920);
    stats.recordUsage({ prompt_tokens: 1, completion_tokens: 42, total_tokens: 43 });
    stats.finish(1_320);
    expect(formatSummary(stats.snapshot(1_320))).toBe('ttft 120 ms · 42 tok · 35.0 tok/s · 1.3 s · thought 800 ms (1 tok)');
    expect(formatSummary(stats.snapshot(1_320), 'qwen3-b')).toMatch(/ · served by qwen3-b$/);
  });

  it('shows the waking notice while nothing else has arrived, then the live numbers', () => {
    const stats = new StreamStats(0);
    expect(formatLiveStatus(stats.snapshot(3_200), 'waking qwen3')).toMatch(/^\S waking qwen3 · 3\.2 s$/);
    expect(formatLiveStatus(stats.snapshot(300))).toMatch(/^\S waiting for the first token · 300 ms$/);
    stats.recordReasoning(400);
    expect(formatLiveStatus(stats.snapshot(500))).toMatch(/^\S thinking · 1 tok · ttft 400 ms · 500 ms$/);
    stats.recordContent(600);
    expect(formatLiveStatus(stats.snapshot(1_600))).toBe('ttft 400 ms · 2 tok · 1.7 tok/s · 1.6 s · thought 200 ms (1 tok)');
  });

  it('summarises a non-streamed answer with the total time', () => {
    expect(formatWholeAnswerSummary(2_000, { prompt_tokens: 5, completion_tokens: 50, total_tokens: 55 })).toBe('2.0 s · 50 tok · 25.0 tok/s');
    expect(formatWholeAnswerSummary(900, undefined, 'member-2')).toBe('900 ms · served by member-2');
  });
});
