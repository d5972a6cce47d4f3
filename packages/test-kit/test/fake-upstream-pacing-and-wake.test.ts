import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../src/index.js';
import { postJson } from './read-stream.js';

let upstream: FakeUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const chat = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };

async function tokenArrivals(baseURL: string): Promise<number[]> {
  const stream = await new OpenAI({ apiKey: 'unused', baseURL, maxRetries: 0 }).chat.completions.create({ ...chat, stream: true } as const);
  const arrivals = [];
  for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now());
  return arrivals;
}

describe('fake upstream pacing', () => {
  it('spreads streamed tokens out at tokensPerSecond', async () => {
    upstream = await startFakeUpstream({ tokenCount: 6, tokensPerSecond: 25 });
    const arrivals = await tokenArrivals(upstream.openaiBaseUrl);
    const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index]!);

    expect(arrivals).toHaveLength(6);
    // 40 ms per token; timers may fire a little early or late, never all at once.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(5 * 40 * 0.8);
    expect(Math.min(...gaps)).toBeGreaterThan(15);
  });

  it('without pacing delivers the whole stream at once', async () => {
    upstream = await startFakeUpstream({ tokenCount: 6 });
    const arrivals = await tokenArrivals(upstream.openaiBaseUrl);

    expect(arrivals).toHaveLength(6);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeLessThan(30);
  });

  it('takes the generation time before a non-streamed answer, and counts concurrent requests', async () => {
    upstream = await startFakeUpstream({ tokenCount: 5, tokensPerSecond: 50 });
    const started = performance.now();
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => postJson(`${upstream!.openaiBaseUrl}/chat/completions`, chat)),
    );

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(5 * 20 * 0.9);
    expect(upstream.maxInFlight).toBe(4);
    expect(upstream.inFlight).toBe(0);
  });
});

describe('fake upstream sleep and wake', () => {
  it('answers 503 while asleep, and wakes wakeDelayMs after a wake call', async () => {
    upstream = await startFakeUpstream({ asleep: true, wakeDelayMs: 100 });
    const asleepHealth = await fetch(`${upstream.url}/health`);
    const asleepChat = await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat);

    expect(asleepHealth.status).toBe(503);
    expect(asleepChat.status).toBe(503);
    expect(await asleepChat.json()).toMatchObject({ error: { message: 'model is asleep' } });
    expect((await fetch(`${upstream.url}/v1/models`)).status).toBe(503);

    const wakeStarted = performance.now();
    const wake = await fetch(`${upstream.url}/wake_up`, { method: 'POST' });
    expect(wake.status).toBe(200);
    expect(upstream.wakeCalls).toBe(1);
    expect((await fetch(`${upstream.url}/health`)).status).toBe(503);

    let healthy = false;
    for (let attempt = 0; attempt < 100 && !healthy; attempt += 1) {
      healthy = (await fetch(`${upstream.url}/health`)).status === 200;
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(healthy).toBe(true);
    expect(performance.now() - wakeStarted).toBeGreaterThanOrEqual(90);
    expect((await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat)).status).toBe(200);
  });

  it('records when it was called to wake and when it came awake, on the caller\'s performance clock', async () => {
    upstream = await startFakeUpstream({ asleep: true, wakeDelayMs: 80 });
    expect(upstream.lastWakeCallAt).toBeUndefined();
    expect(upstream.lastWokeAt).toBeUndefined();

    const before = performance.now();
    await fetch(`${upstream.url}/wake_up`, { method: 'POST' });
    const answered = performance.now();
    const calledAt = upstream.lastWakeCallAt!;
    expect(calledAt).toBeGreaterThanOrEqual(before);
    expect(calledAt).toBeLessThanOrEqual(answered);
    expect(upstream.lastWokeAt).toBeUndefined();

    for (let attempt = 0; attempt < 100 && upstream.asleep; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(upstream.asleep).toBe(false);
    expect(upstream.lastWokeAt! - calledAt).toBeGreaterThanOrEqual(79);
    // Waking an awake model is no new awakening.
    const wokeAt = upstream.lastWokeAt;
    upstream.setBehavior({ asleep: false });
    expect(upstream.lastWokeAt).toBe(wokeAt);
  });

  it('goes back to sleep on sleep(), and /wake wakes it at once without a delay', async () => {
    upstream = await startFakeUpstream();
    expect((await fetch(`${upstream.url}/health`)).status).toBe(200);

    upstream.sleep();
    expect(upstream.asleep).toBe(true);
    expect((await postJson(`${upstream.url}/api/chat`, chat)).status).toBe(503);
    await fetch(`${upstream.url}/wake`, { method: 'POST' });

    expect(upstream.wakeCalls).toBe(1);
    expect(upstream.asleep).toBe(false);
    expect((await postJson(`${upstream.url}/api/chat`, { ...chat, stream: false })).status).toBe(200);
  });
});
