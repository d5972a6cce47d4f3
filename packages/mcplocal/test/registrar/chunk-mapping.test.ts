import { chatCompletionChunkSchema, chatCompletionSchema } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { fromOpenAiCompletion } from '../../src/providers/openai/from-openai-completion.js';
import { mapOpenAiChunk } from '../../src/providers/openai/map-openai-chunk.js';
import { ChunkMapper } from '../../src/registrar/chunk-mapping.js';
import { toChatCompletion } from '../../src/registrar/completion-mapping.js';

const identity = { id: 'chatcmpl-abc', created: 1_700_000_000, model: 'qwen-alice' };

describe('ChunkMapper', () => {
  it('names the assistant role on the first chunk only', () => {
    const mapper = new ChunkMapper(identity);
    const first = mapper.map({ type: 'text', text: 'Hel' });
    const second = mapper.map({ type: 'text', text: 'lo' });
    expect(first).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'qwen-alice',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }],
    });
    expect(second.choices[0]?.delta).toEqual({ content: 'lo' });
    expect(chatCompletionChunkSchema.safeParse(first).success).toBe(true);
  });

  it('passes reasoning under the field name the local server used', () => {
    const mapper = new ChunkMapper(identity);
    expect(mapper.map({ type: 'reasoning', text: 'think', field: 'reasoning' }).choices[0]?.delta).toEqual({ role: 'assistant', reasoning: 'think' });
    expect(mapper.map({ type: 'reasoning', text: 'more', field: 'reasoning_content' }).choices[0]?.delta).toEqual({ reasoning_content: 'more' });
  });

  it('maps tool-call fragments to OpenAI tool_calls deltas', () => {
    const mapper = new ChunkMapper(identity);
    mapper.map({ type: 'text', text: '' });
    expect(mapper.map({ type: 'tool-call', index: 0, id: 'call_1', name: 'search' }).choices[0]?.delta).toEqual({
      tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'search' } }],
    });
    expect(mapper.map({ type: 'tool-call', index: 0, arguments: '{"q":' }).choices[0]?.delta).toEqual({
      tool_calls: [{ index: 0, function: { arguments: '{"q":' } }],
    });
  });

  it('carries the finish reason in its own chunk and usage in a chunk without choices', () => {
    const mapper = new ChunkMapper(identity);
    expect(mapper.finished).toBe(false);
    expect(mapper.map({ type: 'finish', reason: 'length' }).choices).toEqual([{ index: 0, delta: { role: 'assistant' }, finish_reason: 'length' }]);
    expect(mapper.finished).toBe(true);
    const usage = mapper.map({ type: 'usage', usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8 } });
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  });
});

describe('toChatCompletion', () => {
  it('builds an OpenAI chat.completion with reasoning, tool calls and snake_case usage', () => {
    const completion = toChatCompletion(
      {
        content: '',
        reasoning: 'the user wants the weather',
        toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }],
        usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 },
        finishReason: 'tool_calls',
      },
      identity,
    );
    expect(completion).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'qwen-alice',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            reasoning_content: 'the user wants the weather',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
    });
    expect(chatCompletionSchema.safeParse(completion).success).toBe(true);
  });

  it('keeps plain text answers as they are', () => {
    const completion = toChatCompletion(
      { content: 'Hi.', toolCalls: [], usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, finishReason: 'stop' },
      identity,
    );
    expect(completion.choices[0]?.message).toEqual({ role: 'assistant', content: 'Hi.' });
  });
});

/* What a local OpenAI-compatible server sends comes back as it was, apart from the identity mcpd answers under. */
describe('fidelity of relayed answers', () => {
  const logprobs = { content: [{ token: 'Hi', logprob: -0.25, bytes: [72, 105], top_logprobs: [] }] };

  it('gives back a whole answer with its reasoning field names, logprobs and unknown fields', () => {
    const local = {
      id: 'chatcmpl-local',
      object: 'chat.completion',
      created: 5,
      model: 'qwen3-32b',
      system_fingerprint: 'fp_local',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi', reasoning: 'greet back', reasoning_content: 'greet back', refusal: null },
          logprobs,
          finish_reason: 'stop',
          stop_reason: null,
        },
      ],
      usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, prompt_tokens_details: { cached_tokens: 2 } },
    };
    const relayed = toChatCompletion(fromOpenAiCompletion(chatCompletionSchema.parse(local)), identity);
    expect(relayed).toEqual({ ...local, id: identity.id, created: identity.created, model: identity.model });
  });

  it('keeps `reasoning` as `reasoning` when it is the only field', () => {
    const local = {
      id: 'c',
      object: 'chat.completion',
      created: 5,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', reasoning: 'think' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    const relayed = toChatCompletion(fromOpenAiCompletion(chatCompletionSchema.parse(local)), identity);
    expect(relayed.choices[0]?.message).toEqual({ role: 'assistant', content: 'Hi', reasoning: 'think' });
  });

  it('gives back each streamed chunk with its reasoning fields, logprobs and unknown fields', () => {
    const envelope = { id: 'chatcmpl-local', object: 'chat.completion.chunk', created: 5, model: 'qwen3-32b', system_fingerprint: 'fp_local' };
    const local = [
      { ...envelope, choices: [{ index: 0, delta: { reasoning: 'greet', reasoning_content: 'greet' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: 'Hi' }, logprobs, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop', stop_reason: null }] },
      { ...envelope, choices: [], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, prompt_tokens_details: null } },
    ];
    const mapper = new ChunkMapper(identity);
    const relayed = local.flatMap((chunk) => mapOpenAiChunk(chatCompletionChunkSchema.parse(chunk)).map((delta) => mapper.map(delta)));
    const ours = { id: identity.id, created: identity.created, model: identity.model };
    expect(relayed).toEqual([
      { ...envelope, ...ours, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'greet' }, logprobs: null, finish_reason: null }] },
      { ...envelope, ...ours, system_fingerprint: undefined, choices: [{ index: 0, delta: { reasoning: 'greet' }, finish_reason: null }] },
      { ...envelope, ...ours, choices: [{ index: 0, delta: { content: 'Hi' }, logprobs, finish_reason: null }] },
      { ...envelope, ...ours, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop', stop_reason: null }] },
      { ...envelope, ...ours, choices: [], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, prompt_tokens_details: null } },
    ]);
  });
});
