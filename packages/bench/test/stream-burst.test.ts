import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseDataReader } from '../src/sse-data-reader.js';
import { runStreamBurst } from '../src/stream-burst.js';
import { summarizeBurst } from '../src/stream-burst-figures.js';

let paced: FakeUpstream;
const never = new AbortController().signal;

beforeAll(async () => {
  // What streams500 runs against, faster: echoes each prompt back one word per token, 10 ms apart.
  paced = await startFakeUpstream({ recordRequests: false, echo: true, tokensPerSecond: 100 });
});

afterAll(async () => {
  await paced?.close();
});

describe('SseDataReader', () => {
  it('answers the data of each complete frame, across reads and CRLF framing, joining multi-line data', () => {
    const reader = new SseDataReader();
    expect(reader.feed(': comment\n\ndata: {"a"')).toEqual([]);
    expect(reader.feed(':1}\n\ndata: x\r\ndata: y\r\n\r\ndata: [DONE]\n\n')).toEqual(['{"a":1}', 'x\ny', '[DONE]']);
  });
});

describe('runStreamBurst', () => {
  it('opens the streams at once and records each token of its own prompt, in order, with its arrival', async () => {
    const path = { name: 'paced', url: `${paced.openaiBaseUrl}/chat/completions`, model: 'fake-model', headers: {}, pids: [], gatewayPids: [] };
    const records = await runStreamBurst(path, { streams: 8, wordsPerStream: 4, timeoutMs: 10_000 }, never);
    expect(records).toHaveLength(8);
    expect(records[3]!.tokens).toEqual(['user:', ' s3w0', ' s3w1', ' s3w2', ' s3w3']);
    // The role frame, five tokens and the finish frame; [DONE] is not a chunk.
    expect(records[3]!.chunks).toBe(7);
    const figures = summarizeBurst('paced', records, 10, []);
    expect(figures).toMatchObject({ streams: 8, inOrder: 8, failureCount: 0, tokens: 40 });
    // Paced 10 ms apart: the streams overlap, so the burst takes about one stream's time, not eight.
    expect(figures.wallSeconds).toBeLessThan(0.4);
    expect(figures.addedInterTokenMs.count).toBe(32);
    expect(figures.addedInterTokenMs.p50).toBeGreaterThan(-10);
  });

  it('cuts every open stream when the run is interrupted, and refuses to start an interrupted one', async () => {
    const path = { name: 'paced', url: `${paced.openaiBaseUrl}/chat/completions`, model: 'fake-model', headers: {}, pids: [], gatewayPids: [] };
    const controller = new AbortController();
    // Forty streams of 200 words at 100 tokens/s would take 2 s; the run is cut after the first tokens.
    const burst = runStreamBurst(path, { streams: 40, wordsPerStream: 200, timeoutMs: 10_000 }, controller.signal);
    setTimeout(() => controller.abort(), 100);
    const records = await burst;
    expect(records.every((entry) => entry.error === 'interrupted')).toBe(true);
    await expect(runStreamBurst(path, { streams: 1, wordsPerStream: 1, timeoutMs: 1_000 }, controller.signal)).rejects.toThrow(/interrupted/);
  });

  it('counts a refused stream as failed instead of hiding it', async () => {
    const failing = await startFakeUpstream({ recordRequests: false, fail: { status: 503, message: 'overloaded' } });
    try {
      const path = { name: 'failing', url: `${failing.openaiBaseUrl}/chat/completions`, model: 'fake-model', headers: {}, pids: [], gatewayPids: [] };
      const figures = summarizeBurst('failing', await runStreamBurst(path, { streams: 2, wordsPerStream: 1, timeoutMs: 5_000 }, never), 10, []);
      expect(figures.inOrder).toBe(0);
      expect(figures.failures).toEqual(['stream 0: HTTP 503', 'stream 1: HTTP 503']);
    } finally {
      await failing.close();
    }
  });
});
