import { chatCompletionChunkSchema } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { completionChunks, receivedCompletionSchema } from '../src/index.js';

const envelope = { id: 'chatcmpl-fallback', created: 7, model: 'asked-name' };
const usage = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 };

describe('a whole chat completion as the chunks of a stream', () => {
  it('gives the role and the whole message in one chunk, the finish reason in the next, then the usage', () => {
    const completion = receivedCompletionSchema.parse({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'served/model',
      system_fingerprint: 'fp_1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there', reasoning_content: 'Greet.' }, logprobs: null, finish_reason: 'length', stop_reason: null }],
      usage,
    });
    const chunks = completionChunks(completion, { envelope, includeUsage: true });
    const named = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'served/model', system_fingerprint: 'fp_1' };
    expect(chunks).toEqual([
      { ...named, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi there', reasoning_content: 'Greet.' }, logprobs: null, finish_reason: null }], usage: null },
      { ...named, choices: [{ index: 0, delta: {}, stop_reason: null, finish_reason: 'length' }], usage: null },
      { ...named, choices: [], usage },
    ]);
    for (const chunk of chunks) expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
    expect(completionChunks(completion, { envelope, includeUsage: false })).toEqual([
      { ...named, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi there', reasoning_content: 'Greet.' }, logprobs: null, finish_reason: null }] },
      { ...named, choices: [{ index: 0, delta: {}, stop_reason: null, finish_reason: 'length' }] },
    ]);
  });

  it('gives tool calls their index, says stop where the server gave no finish reason, and fills the envelope it left out', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
    const completion = receivedCompletionSchema.parse({
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: null }],
    });
    expect(completionChunks(completion, { envelope, includeUsage: true })).toEqual([
      { ...envelope, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, ...call }] }, finish_reason: null }], usage: null },
      { ...envelope, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null },
    ]);
  });

  it('reads as a completion only a body with at least one choice whose message it can stream', () => {
    expect(receivedCompletionSchema.safeParse({ choices: [] }).success).toBe(false);
    expect(receivedCompletionSchema.safeParse({ error: { message: 'overloaded' } }).success).toBe(false);
    expect(receivedCompletionSchema.safeParse({ choices: [{ index: 0, text: 'a legacy completion', finish_reason: 'stop' }] }).success).toBe(false);
    expect(receivedCompletionSchema.safeParse({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage: null }).success).toBe(true);
  });
});
