import { describe, expect, it } from 'vitest';
import { anthropicResponseSchema, mapAnthropicStopReason } from '@mcpctl/protocol';
import { fromAnthropicResponse } from '../../src/index.js';

const options = { model: 'team-claude', created: 1_760_000_000 };

/** A response body as Anthropic sends it, parsed with the protocol schema like mcpd does. */
function anthropicResponse(overrides: Record<string, unknown>) {
  return anthropicResponseSchema.parse({
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: null, cache_read_input_tokens: null },
    ...overrides,
  });
}

describe('fromAnthropicResponse', () => {
  it('answers a text reply as a chat.completion under the name the caller used', () => {
    expect(fromAnthropicResponse(anthropicResponse({}), options)).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: 1_760_000_000,
      model: 'team-claude',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi! My name is Claude.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 },
    });
  });

  it('concatenates text blocks', () => {
    const response = anthropicResponse({
      content: [
        { type: 'text', text: 'According to the docs, ' },
        { type: 'text', text: 'the sky is blue.', citations: [] },
      ],
    });
    expect(fromAnthropicResponse(response, options).choices[0]?.message.content).toBe('According to the docs, the sky is blue.');
  });

  it('answers tool use as tool_calls with JSON arguments and null content', () => {
    const response = anthropicResponse({
      content: [
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
        { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
      ],
      stop_reason: 'tool_use',
    });
    const choice = fromAnthropicResponse(response, options).choices[0];
    expect(choice?.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'toolu_01A09q90qw90lq917835lq9',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
        },
        { id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
    expect(choice?.finish_reason).toBe('tool_calls');
  });

  it('keeps text beside tool calls', () => {
    const response = anthropicResponse({
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_time', input: {} },
      ],
      stop_reason: 'tool_use',
    });
    expect(fromAnthropicResponse(response, options).choices[0]?.message.content).toBe('Checking.');
  });

  it('puts thinking in reasoning_content and leaves redacted thinking out', () => {
    const response = anthropicResponse({
      content: [
        { type: 'thinking', thinking: 'The user greets me.', signature: 'EqQBCgIYAhIM' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'text', text: 'Hello!' },
      ],
    });
    const message = fromAnthropicResponse(response, options).choices[0]?.message;
    expect(message).toEqual({ role: 'assistant', content: 'Hello!', reasoning_content: 'The user greets me.' });
  });

  it('answers an empty string, not null, when a reply has no text and no tool call', () => {
    const response = anthropicResponse({ content: [], stop_reason: 'max_tokens' });
    const choice = fromAnthropicResponse(response, options).choices[0];
    expect(choice?.message.content).toBe('');
    expect(choice?.finish_reason).toBe('length');
  });

  it('counts cached prompt tokens as prompt tokens', () => {
    const response = anthropicResponse({
      usage: { input_tokens: 50, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 30 },
    });
    expect(fromAnthropicResponse(response, options).usage).toEqual({
      prompt_tokens: 1250,
      completion_tokens: 30,
      total_tokens: 1280,
    });
  });
});

describe('mapAnthropicStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    [null, 'stop'],
    [undefined, 'stop'],
  ])('maps %s to %s', (stopReason, finishReason) => {
    expect(mapAnthropicStopReason(stopReason)).toBe(finishReason);
  });
});
