import { describe, expect, it } from 'vitest';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import type { ChatCompletionChunk } from '@mcpctl/protocol';
import { UpstreamStreamError, AnthropicStreamTranslator } from '../../src/index.js';
import { readAnthropicEvents } from './read-anthropic-events.js';
import { created, model, translateAnthropicStream } from './translate-anthropic-stream.js';

const deltas = (chunks: ChatCompletionChunk[]) => chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
const joined = (chunks: ChatCompletionChunk[], field: 'content' | 'reasoning_content') =>
  deltas(chunks)
    .map((delta) => delta[field] ?? '')
    .join('');
const finishReasons = (chunks: ChatCompletionChunk[]) =>
  chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => (choice.finish_reason ? [choice.finish_reason] : [])));

/** Feeds the chunks to the official OpenAI SDK's stream accumulator, as a client would. */
async function accumulateWithOpenAiSdk(chunks: ChatCompletionChunk[]) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(`${JSON.stringify(chunk)}\n`));
      controller.close();
    },
  });
  return ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
}

describe('AnthropicStreamTranslator', () => {
  it('streams a text answer as the exact chunk sequence OpenAI sends', () => {
    const { chunks } = translateAnthropicStream(readAnthropicEvents('text-answer.sse'));
    const envelope = { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', object: 'chat.completion.chunk', created, model };
    expect(chunks).toEqual([
      { ...envelope, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: '! How can I help' }, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: ' you today?' }, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]);
    expect(joined(chunks, 'content')).toBe('Hello! How can I help you today?');
  });

  it('ends with a usage chunk, and usage null elsewhere, when usage was asked for', () => {
    const { chunks } = translateAnthropicStream(readAnthropicEvents('text-answer.sse'), true);
    expect(chunks).toHaveLength(6);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [],
      usage: { prompt_tokens: 21, completion_tokens: 12, total_tokens: 33 },
    });
  });

  it('streams parallel tool calls with running indexes and argument pieces', async () => {
    const { chunks } = translateAnthropicStream(readAnthropicEvents('tool-use-answer.sse'), true);
    expect(deltas(chunks).slice(3)).toEqual([
      {
        tool_calls: [
          { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ' "San Fra' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'ncisco, CA"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ', "unit": "fah' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'renheit"}' } }] },
      {
        tool_calls: [
          { index: 1, id: 'toolu_01Hq9mT5eNt1VqPzd3jXkR2b', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"location": "Par' } }] },
      { tool_calls: [{ index: 1, function: { arguments: 'is, France"}' } }] },
      {},
    ]);
    expect(finishReasons(chunks)).toEqual(['tool_calls']);
    // Cached prompt tokens count as prompt tokens, as in OpenAI's usage.
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 600, completion_tokens: 89, total_tokens: 689 });

    const completion = await accumulateWithOpenAiSdk(chunks);
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe("Okay, let's check the weather in both cities:");
    expect(message?.tool_calls?.map((call) => call.type === 'function' && (JSON.parse(call.function.arguments) as unknown))).toEqual([
      { location: 'San Francisco, CA', unit: 'fahrenheit' },
      { location: 'Paris, France' },
    ]);
    expect(completion.usage?.total_tokens).toBe(689);
  });

  it('streams thinking as reasoning_content and leaves signatures out', () => {
    const { chunks } = translateAnthropicStream(readAnthropicEvents('thinking-answer.sse'));
    expect(joined(chunks, 'reasoning_content')).toBe(
      'I need to find the GCD of 1071 and 462.\n\n1071 = 2 × 462 + 147, 462 = 3 × 147 + 21, 147 = 7 × 21.',
    );
    expect(joined(chunks, 'content')).toBe('The greatest common divisor of 1071 and 462 is **21**.');
    expect(JSON.stringify(chunks)).not.toContain('EqQBCgIYAhIM');
    // Reasoning comes before the answer, as it did upstream.
    const kinds = deltas(chunks).map((delta) => Object.keys(delta).join(','));
    expect(kinds).toEqual(['role,content', 'reasoning_content', 'reasoning_content', 'content', 'content', '']);
  });

  it('throws an Anthropic error event with its message and owes no finish chunk afterwards', () => {
    const { chunks, error } = translateAnthropicStream(readAnthropicEvents('overloaded-mid-stream.sse'), true);
    expect(error).toBeInstanceOf(UpstreamStreamError);
    expect(error).toMatchObject({ type: 'overloaded_error', message: 'Overloaded' });
    expect(joined(chunks, 'content')).toBe('Once upon');
    expect(finishReasons(chunks)).toEqual([]);
    expect(chunks.some((chunk) => chunk.choices.length === 0)).toBe(false);
  });

  it('gives a stream cut short a synthetic finish chunk so OpenAI clients accept it', async () => {
    const events = readAnthropicEvents('truncated.sse');
    const translator = new AnthropicStreamTranslator({ model, created, includeUsage: true });
    const streamed = events.flatMap((event) => translator.push(event));
    expect(finishReasons(streamed)).toEqual([]);
    expect(translator.finished).toBe(false);
    // Without a finish reason the official SDK refuses the stream.
    await expect(accumulateWithOpenAiSdk(streamed)).rejects.toThrow(/missing finish_reason/);

    const owed = translator.finish();
    expect(owed.map((chunk) => [chunk.choices[0]?.finish_reason, chunk.usage])).toEqual([
      ['stop', null],
      [undefined, { prompt_tokens: 15, completion_tokens: 1, total_tokens: 16 }],
    ]);
    expect(translator.finish()).toEqual([]);
    const completion = await accumulateWithOpenAiSdk([...streamed, ...owed]);
    expect(completion.choices[0]?.message.content).toBe('The answer is');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('counts a stream cut after message_delta as finished, with only its usage still owed', () => {
    const events = readAnthropicEvents('text-answer.sse');
    const translator = new AnthropicStreamTranslator({ model, created, includeUsage: true });
    const upToDelta = events.slice(0, events.findIndex((event) => event.type === 'message_delta') + 1);
    const streamed = upToDelta.flatMap((event) => translator.push(event));
    expect(finishReasons(streamed)).toEqual(['stop']);
    expect(translator.finished).toBe(true);
    expect(translator.finish().map((chunk) => [chunk.choices.length, chunk.usage])).toEqual([
      [0, { prompt_tokens: 21, completion_tokens: 12, total_tokens: 33 }],
    ]);
  });

  it('never sends a second finish chunk, whatever arrives after the first', () => {
    const events = readAnthropicEvents('text-answer.sse');
    const messageDelta = events.find((event) => event.type === 'message_delta');
    if (!messageDelta) throw new Error('fixture lacks message_delta');
    const messageStop = events.at(-1);
    if (!messageStop) throw new Error('fixture is empty');
    const repeated = [...events.slice(0, -1), messageDelta, messageStop, messageDelta];
    const { chunks } = translateAnthropicStream(repeated);
    expect(finishReasons(chunks)).toEqual(['stop']);
  });

  it('gives every fixture exactly one finish reason and one usage chunk', () => {
    for (const fixture of ['text-answer.sse', 'tool-use-answer.sse', 'thinking-answer.sse', 'truncated.sse']) {
      const { chunks } = translateAnthropicStream(readAnthropicEvents(fixture), true);
      expect(finishReasons(chunks), fixture).toHaveLength(1);
      expect(chunks.filter((chunk) => chunk.usage), fixture).toHaveLength(1);
    }
  });

  it('maps a max_tokens stop to length', () => {
    const events = readAnthropicEvents('text-answer.sse').map((event) =>
      event.type === 'message_delta' ? { ...event, delta: { stop_reason: 'max_tokens' } } : event,
    );
    expect(finishReasons(translateAnthropicStream(events).chunks)).toEqual(['length']);
  });

  it('keeps the token counts for the audit record even when the client did not ask for usage', () => {
    const translator = new AnthropicStreamTranslator({ model, created, includeUsage: false });
    const chunks = readAnthropicEvents('tool-use-answer.sse').flatMap((event) => translator.push(event));
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
    expect(translator.usage).toEqual({ prompt_tokens: 600, completion_tokens: 89, total_tokens: 689 });
  });

  it('refuses a stream that does not begin with message_start', () => {
    const translator = new AnthropicStreamTranslator({ model, created, includeUsage: false });
    expect(() => translator.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } })).toThrow(
      UpstreamStreamError,
    );
    expect(() => translator.finish()).toThrow(/message_start/);
  });
});
