import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKENS, startFakeUpstream, TestKitError, type FakeUpstream } from '../src/index.js';
import { postJson, readUntilEnd } from './read-stream.js';

let upstream: FakeUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const chat = { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] };
const anthropicChat = { ...chat, max_tokens: 100 };

function openai(baseURL: string): OpenAI {
  return new OpenAI({ apiKey: 'unused', baseURL, maxRetries: 0 });
}

describe('fake upstream error injection', () => {
  it('answers an injected status in each dialect’s error shape', async () => {
    upstream = await startFakeUpstream({ fail: { status: 429, message: 'slow down' } });
    const fromOpenAi = await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat);
    const fromAnthropic = await postJson(`${upstream.url}/v1/messages`, anthropicChat);
    const fromOllama = await postJson(`${upstream.url}/api/chat`, chat);

    expect([fromOpenAi.status, fromAnthropic.status, fromOllama.status]).toEqual([429, 429, 429]);
    expect(await fromOpenAi.json()).toMatchObject({ error: { message: 'slow down', type: expect.any(String) } });
    expect(await fromAnthropic.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    expect(await fromOllama.json()).toEqual({ error: 'slow down' });
    await expect(openai(upstream.openaiBaseUrl).chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );
  });

  it('fails only the next failCount requests, then answers normally', async () => {
    upstream = await startFakeUpstream({ fail: { status: 503, message: 'overloaded' }, failCount: 2 });
    const statuses = [];
    for (let index = 0; index < 3; index += 1) statuses.push((await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat)).status);

    expect(statuses).toEqual([503, 503, 200]);
    upstream.setBehavior({ mode: 'close', fail: undefined, failCount: 1 });
    await expect(postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat)).rejects.toThrow();
    expect((await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat)).status).toBe(200);
  });

  it('garbage: a 200 whose body or stream frames are not JSON', async () => {
    upstream = await startFakeUpstream({ mode: 'garbage' });
    const plain = await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat);

    expect(plain.status).toBe(200);
    await expect(plain.json()).rejects.toThrow(SyntaxError);
    const stream = await openai(upstream.openaiBaseUrl).chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow();
  });

  it('ignoreStream: answers a stream with the whole JSON answer, as servers that ignore `stream` do, garbage included', async () => {
    upstream = await startFakeUpstream({ ignoreStream: true });
    const whole = await postJson(`${upstream.openaiBaseUrl}/chat/completions`, { ...chat, stream: true });

    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/json');
    expect(await whole.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: DEFAULT_TOKENS.join('') }, finish_reason: 'stop' }] });
    const message = await postJson(`${upstream.url}/v1/messages`, { ...anthropicChat, stream: true });
    expect(await message.json()).toMatchObject({ type: 'message', stop_reason: 'end_turn' });
    upstream.setBehavior({ mode: 'garbage' });
    const garbage = await postJson(`${upstream.openaiBaseUrl}/chat/completions`, { ...chat, stream: true });
    expect(garbage.headers.get('content-type')).toBe('application/json');
    await expect(garbage.json()).rejects.toThrow(SyntaxError);
  });

  it('hang: never answers, and counts the request as cancelled when the client gives up', async () => {
    upstream = await startFakeUpstream({ mode: 'hang' });
    const abort = new AbortController();
    const pending = postJson(`${upstream.openaiBaseUrl}/chat/completions`, { ...chat, stream: true }, {}, abort.signal);
    await upstream.waitForRequests(1);

    expect(upstream.inFlight).toBe(1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await upstream.waitForCancelled(1);
    expect(upstream.cancelled).toBe(1);
    expect(upstream.inFlight).toBe(0);
  });

  it('close: drops the connection without an answer, and does not count it as cancelled', async () => {
    upstream = await startFakeUpstream({ mode: 'close' });

    await expect(postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat)).rejects.toThrow(TypeError);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.cancelled).toBe(0);
  });

  it('cut-mid-stream: sends about half of the tokens, then drops the connection', async () => {
    upstream = await startFakeUpstream({ mode: 'cut-mid-stream' });
    const response = await postJson(`${upstream.openaiBaseUrl}/chat/completions`, { ...chat, stream: true });
    const { text, error } = await readUntilEnd(response);
    const frames = text.split('\n\n').filter(Boolean);

    expect(response.status).toBe(200);
    expect(error).toBeDefined();
    expect(frames).toHaveLength(1 + DEFAULT_TOKENS.length / 2);
    expect(text).not.toContain('[DONE]');
    expect(upstream.cancelled).toBe(0);
  });

  it('cut-mid-stream on a paced Anthropic stream still delivers the first tokens', async () => {
    upstream = await startFakeUpstream({ mode: 'cut-mid-stream', tokensPerSecond: 200 });
    const response = await postJson(`${upstream.url}/v1/messages`, { ...anthropicChat, stream: true });
    const { text, error } = await readUntilEnd(response);

    expect(error).toBeDefined();
    expect(text.match(/event: content_block_delta/g)).toHaveLength(DEFAULT_TOKENS.length / 2);
    expect(text).not.toContain('message_stop');
  });

  it('delays the response headers by latencyMs', async () => {
    upstream = await startFakeUpstream({ latencyMs: 150 });
    const started = performance.now();
    const response = await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat);

    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('closes promptly while a request hangs', async () => {
    upstream = await startFakeUpstream({ mode: 'hang' });
    const pending = postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat);
    await upstream.waitForRequests(1);
    const started = performance.now();
    await upstream.close();

    expect(performance.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
  });

  it('refuses invalid behaviour when it is set, not when a request arrives', async () => {
    upstream = await startFakeUpstream();

    expect(() => upstream?.setBehavior({ tokensPerSecond: 0 })).toThrow(TestKitError);
    expect(() => upstream?.setBehavior({ fail: { status: 200, message: 'fine' } })).toThrow(/fail.status/);
    expect((await postJson(`${upstream.openaiBaseUrl}/chat/completions`, chat)).status).toBe(200);
  });
});
