import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchPath } from '../src/bench-path.js';
import { measureAlternating } from '../src/alternating-load.js';
import { runLoad } from '../src/load-run.js';
import { probeSequentially } from '../src/sequential-probe.js';

// Load generator and servers share this process here: these tests check what is measured, not how fast.
let fast: FakeUpstream;
let slow: FakeUpstream;
const never = new AbortController().signal;

const pathTo = (name: string, upstream: FakeUpstream): BenchPath => ({
  name,
  url: `${upstream.openaiBaseUrl}/chat/completions`,
  model: 'fake-model',
  headers: {},
  pids: [process.pid],
  gatewayPids: [],
});

beforeAll(async () => {
  fast = await startFakeUpstream({ recordRequests: false });
  // 3 ms before the headers, then 4 tokens 5 ms apart: first token near 3 ms, whole answer near 18 ms.
  slow = await startFakeUpstream({ recordRequests: false, latencyMs: 3, tokenCount: 4, tokensPerSecond: 200 });
});

afterAll(async () => {
  await Promise.all([fast?.close(), slow?.close()]);
});

describe('runLoad', () => {
  it('counts good answers and keeps sub-millisecond latency', async () => {
    const slice = await runLoad({ path: pathTo('fast', fast), connections: 2, streaming: false, durationSeconds: 0.5 }, never);
    expect(slice.ok).toBeGreaterThan(20);
    expect(slice.non2xx + slice.errors).toBe(0);
    expect(slice.latenciesMs).toHaveLength(slice.ok);
    expect(slice.latenciesMs.some((latency) => !Number.isInteger(latency))).toBe(true);
    expect(slice.serverCpuSeconds).toBeGreaterThan(0);
    expect(slice.clientCpuSeconds).toBeGreaterThan(0);
  });

  it('reports non-2xx answers instead of hiding them', async () => {
    const failing = await startFakeUpstream({ recordRequests: false, fail: { status: 503, message: 'overloaded' } });
    try {
      const slice = await runLoad({ path: pathTo('failing', failing), connections: 1, streaming: false, durationSeconds: 0.3 }, never);
      expect(slice.ok).toBe(0);
      expect(slice.non2xx).toBeGreaterThan(0);
      expect(slice.latenciesMs).toEqual([]);
    } finally {
      await failing.close();
    }
  });
});

describe('measureAlternating', () => {
  it('gives each path its share of the measured time and sums the slices', async () => {
    const figures = await measureAlternating(
      pathTo('fast', fast),
      pathTo('slow', slow),
      { connections: 1, streaming: false },
      { warmupSeconds: 0, durationSeconds: 0.6, slices: 2 },
      never,
    );
    expect(figures.baseline.slices).toBe(2);
    expect(figures.path.slices).toBe(2);
    // Each slice may run up to one autocannon sample tick (100 ms) past its 0.3 s.
    expect(figures.baseline.durationSeconds).toBeGreaterThanOrEqual(0.6);
    expect(figures.baseline.durationSeconds).toBeLessThan(0.85);
    expect(figures.path.latencyMs.count).toBe(figures.path.ok);
    // The slow fake answers in ~18 ms, so one connection gets well under a tenth of the fast one's rate.
    expect(figures.path.requestsPerSecond).toBeLessThan(figures.baseline.requestsPerSecond / 10);
    expect(figures.path.latencyMs.p50).toBeGreaterThan(15);
  });
});

describe('probeSequentially', () => {
  it('sees the latency one path adds over the other', async () => {
    const probe = await probeSequentially(pathTo('fast', fast), pathTo('slow', slow), { streaming: false, pairs: 30, warmupPairs: 3 }, never);
    expect(probe.baseline.failures + probe.path.failures).toBe(0);
    expect(probe.baseline.totalMs.count).toBe(30);
    expect(probe.addedMs.p50).toBeGreaterThan(2.5);
    expect(probe.pairedAddedP50Ms).toBeGreaterThan(2.5);
    expect(probe.addedFirstTokenMs).toBeUndefined();
  });

  it('times the first token of a stream apart from its end', async () => {
    const probe = await probeSequentially(pathTo('fast', fast), pathTo('slow', slow), { streaming: true, pairs: 20, warmupPairs: 2 }, never);
    const slowSide = probe.path;
    expect(slowSide.failures).toBe(0);
    expect(slowSide.firstTokenMs!.p50).toBeGreaterThan(2.5);
    expect(slowSide.totalMs.p50 - slowSide.firstTokenMs!.p50).toBeGreaterThan(10);
    expect(probe.addedFirstTokenMs!.p50).toBeGreaterThan(2.5);
  });

  it('stops when the run is interrupted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      probeSequentially(pathTo('fast', fast), pathTo('slow', slow), { streaming: false, pairs: 10, warmupPairs: 0 }, controller.signal),
    ).rejects.toThrow(/interrupted/);
  });
});
