import { chatCompletionChunkSchema, chatCompletionSchema, modelListSchema } from '@mcpctl/protocol';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKENS, startFakeUpstream, type FakeUpstream } from '../src/index.js';

let upstream: FakeUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

function client(baseURL: string, apiKey = 'unused'): OpenAI {
  return new OpenAI({ apiKey, baseURL, maxRetries: 0 });
}

const question = 'What is the answer?';
const promptTokens = Math.ceil(question.length / 4);

describe('fake upstream, OpenAI dialect', () => {
  it('answers a chat completion with usage the stock openai client accepts', async () => {
    upstream = await startFakeUpstream();
    const completion = await client(upstream.openaiBaseUrl).chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: question }],
    });

    expect(chatCompletionSchema.parse(completion)).toBeTruthy();
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_TOKENS.join(''));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: promptTokens,
      completion_tokens: DEFAULT_TOKENS.length,
      total_tokens: promptTokens + DEFAULT_TOKENS.length,
    });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'fake-model' } });
  });

  it('streams one chunk per token, a finish chunk, then the usage chunk when asked', async () => {
    upstream = await startFakeUpstream({ tokens: ['One', ' two', ' three'] });
    const stream = await client(upstream.openaiBaseUrl).chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: question }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chatCompletionChunkSchema.parse(chunk));

    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const contents = chunks.slice(1, 4).map((chunk) => chunk.choices[0]?.delta.content);
    expect(contents).toEqual(['One', ' two', ' three']);
    expect(chunks[4]?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: 3, total_tokens: promptTokens + 3 } });
    expect(chunks).toHaveLength(6);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('sends no usage chunk unless include_usage is set, and the SDK accumulator accepts the stream', async () => {
    upstream = await startFakeUpstream({ tokenCount: 5 });
    const runner = client(upstream.openaiBaseUrl).chat.completions.stream({
      model: 'fake-model',
      messages: [{ role: 'user', content: question }],
    });
    const chunks = [];
    for await (const chunk of runner) chunks.push(chunk);
    const final = await runner.finalChatCompletion();

    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.choices[0]?.message.content?.split(' ')).toHaveLength(5);
  });

  it('answers at a base URL without /v1 and lists its model', async () => {
    upstream = await startFakeUpstream({ model: 'served-model' });
    const openai = client(upstream.url);
    const models = await openai.models.list();
    const completion = await openai.chat.completions.create({ model: 'served-model', messages: [{ role: 'user', content: 'hi' }] });

    expect(models.data.map((model) => model.id)).toEqual(['served-model']);
    expect(modelListSchema.parse(await (await fetch(`${upstream.openaiBaseUrl}/models`)).json()).data[0]?.id).toBe('served-model');
    expect(completion.model).toBe('served-model');
    expect(upstream.requests.map((request) => request.path)).toEqual(['/models', '/chat/completions', '/v1/models']);
  });

  it('echoes the conversation it received, system prompt included', async () => {
    upstream = await startFakeUpstream({ echo: true });
    const completion = await client(upstream.openaiBaseUrl).chat.completions.create({
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello there' }] },
      ],
    });

    expect(completion.choices[0]?.message.content).toBe('system: You are terse.\nuser: Hello there');
  });

  it('stops at max_tokens with finish_reason length', async () => {
    upstream = await startFakeUpstream();
    const completion = await client(upstream.openaiBaseUrl).chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: question }],
      max_tokens: 3, // eslint-disable-line @typescript-eslint/no-deprecated -- the legacy field is the one under test
    });

    expect(completion.choices[0]?.message.content).toBe(DEFAULT_TOKENS.slice(0, 3).join(''));
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it('demands the configured API key as a bearer token', async () => {
    upstream = await startFakeUpstream({ apiKey: 'sk-right' });
    const request = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };

    await expect(client(upstream.openaiBaseUrl, 'sk-wrong').chat.completions.create(request)).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(client(upstream.openaiBaseUrl, 'sk-wrong').models.list()).rejects.toMatchObject({ status: 401 });
    const completion = await client(upstream.openaiBaseUrl, 'sk-right').chat.completions.create(request);
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_TOKENS.join(''));
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer sk-right');
  });

  it('answers 400 in the OpenAI error shape for a body that is not a chat request', async () => {
    upstream = await startFakeUpstream();
    const notJson = await fetch(`${upstream.openaiBaseUrl}/chat/completions`, { method: 'POST', body: '{"messages": [' });
    const noMessages = await fetch(`${upstream.openaiBaseUrl}/chat/completions`, { method: 'POST', body: '{"model": "x"}' });

    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('JSON') } });
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toMatchObject({ error: { message: expect.stringContaining('messages') } });
    expect(upstream.requests[0]?.body).toBe('{"messages": [');
  });
});
