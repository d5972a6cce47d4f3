import { anthropicResponseSchema, anthropicStreamEventSchema } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKENS, startFakeUpstream, type FakeUpstream } from '../src/index.js';
import { postJson, readSseEvents } from './read-stream.js';

let upstream: FakeUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const headers = { 'x-api-key': 'ak-test', 'anthropic-version': '2023-06-01' };
const request = { model: 'claude-fake', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello, Claude' }] };
const inputTokens = Math.ceil('Hello, Claude'.length / 4);

describe('fake upstream, Anthropic dialect', () => {
  it('answers a message with text content, end_turn and usage', async () => {
    upstream = await startFakeUpstream({ apiKey: 'ak-test' });
    const response = await postJson(`${upstream.url}/v1/messages`, request, headers);
    const message = anthropicResponseSchema.parse(await response.json());

    expect(response.status).toBe(200);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-fake',
      content: [{ type: 'text', text: DEFAULT_TOKENS.join('') }],
      stop_reason: 'end_turn',
      usage: { input_tokens: inputTokens, output_tokens: DEFAULT_TOKENS.length },
    });
  });

  it('streams the real event sequence, one text_delta per token', async () => {
    upstream = await startFakeUpstream({ apiKey: 'ak-test', tokens: ['Hi', ' there', '!'] });
    const response = await postJson(`${upstream.url}/v1/messages`, { ...request, stream: true }, headers);
    const events = await readSseEvents(response);
    const payloads = events.map((event) => anthropicStreamEventSchema.parse(JSON.parse(event.data)));

    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(events.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(payloads.map((payload) => payload.type)).toEqual(events.map((event) => event.event));
    const text = payloads.map((payload) => (payload.type === 'content_block_delta' && payload.delta.type === 'text_delta' ? payload.delta.text : '')).join('');
    expect(text).toBe('Hi there!');
    expect(payloads[0]).toMatchObject({ message: { model: 'claude-fake', usage: { input_tokens: inputTokens } } });
    expect(payloads[7]).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } });
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    upstream = await startFakeUpstream();
    const response = await postJson(`${upstream.url}/v1/messages`, { ...request, max_tokens: 2 }, headers);

    expect(await response.json()).toMatchObject({
      content: [{ type: 'text', text: DEFAULT_TOKENS.slice(0, 2).join('') }],
      stop_reason: 'max_tokens',
      usage: { output_tokens: 2 },
    });
  });

  it('echoes the top-level system prompt before the messages', async () => {
    upstream = await startFakeUpstream({ echo: true });
    const response = await postJson(`${upstream.url}/v1/messages`, { ...request, system: 'Answer in French.' }, headers);
    const message = anthropicResponseSchema.parse(await response.json());

    expect(message.content).toEqual([{ type: 'text', text: 'system: Answer in French.\nuser: Hello, Claude' }]);
    expect(message.usage.input_tokens).toBe(Math.ceil(('Answer in French.' + 'Hello, Claude').length / 4));
  });

  it('rejects a missing or wrong x-api-key with an authentication_error', async () => {
    upstream = await startFakeUpstream({ apiKey: 'ak-test' });
    const missing = await postJson(`${upstream.url}/v1/messages`, request);
    const bearer = await postJson(`${upstream.url}/v1/messages`, request, { authorization: 'Bearer ak-test' });

    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(bearer.status).toBe(401);
  });

  it('rejects a request without max_tokens as the real API does', async () => {
    upstream = await startFakeUpstream();
    const { max_tokens: _, ...withoutMaxTokens } = request;
    const response = await postJson(`${upstream.url}/v1/messages`, withoutMaxTokens, headers);

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
  });
});
