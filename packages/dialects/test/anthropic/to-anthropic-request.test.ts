import { describe, expect, it } from 'vitest';
import {
  anthropicRequestSchema,
  chatCompletionRequestSchema,
  type AnthropicResponse,
  type ChatCompletionRequest,
} from '@mcpctl/protocol';
import {
  TranslationError,
  fromAnthropicResponse,
  toAnthropicRequest,
} from '../../src/index.js';

const upstreamModel = 'claude-sonnet-4-5-20250929';

/** Parses like the route does, so the test sends what a client could really send. */
function translate(body: unknown, options?: { defaultMaxTokens?: number }) {
  const anthropic = toAnthropicRequest(chatCompletionRequestSchema.parse(body), upstreamModel, options);
  // What goes upstream must satisfy the Anthropic schema, and survive JSON unchanged.
  expect(anthropicRequestSchema.parse(anthropic)).toEqual(anthropic);
  expect(JSON.parse(JSON.stringify(anthropic))).toEqual(anthropic);
  return anthropic;
}

describe('toAnthropicRequest', () => {
  it('moves system and developer messages, in order, to the top-level system prompt', () => {
    const anthropic = translate({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'How are you?' },
      ],
    });
    expect(anthropic.system).toBe('You are terse.\n\nAnswer in French.');
    expect(anthropic.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'text', text: 'How are you?' },
        ],
      },
    ]);
  });

  it('merges consecutive messages of one role so roles alternate', () => {
    const anthropic = translate({
      messages: [
        { role: 'user', content: 'first' },
        { role: 'user', content: [{ type: 'text', text: 'second' }] },
        { role: 'assistant', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'user', content: '   ' },
        { role: 'user', content: 'third' },
      ],
    });
    expect(anthropic.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(anthropic.messages.map((message) => message.content)).toEqual([
      [
        { type: 'text', text: 'first' },
        { type: 'text', text: 'second' },
      ],
      [
        { type: 'text', text: 'one' },
        { type: 'text', text: 'two' },
      ],
      [{ type: 'text', text: 'third' }],
    ]);
  });

  it('sends tool calls and tool results as tool_use and merged tool_result blocks', () => {
    const anthropic = translate({
      messages: [
        { role: 'user', content: 'Weather in SF and Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_sf', type: 'function', function: { name: 'get_weather', arguments: '{"city":"SF"}' } },
            // Arguments cut short by max_tokens in an earlier turn.
            { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Pa' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_sf', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_paris', content: [{ type: 'text', text: '12°C' }] },
        { role: 'user', content: 'Thanks, which is warmer?' },
      ],
    });
    expect(anthropic.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in SF and Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_sf', name: 'get_weather', input: { city: 'SF' } },
          { type: 'tool_use', id: 'call_paris', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_sf', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_paris', content: [{ type: 'text', text: '12°C' }] },
          { type: 'text', text: 'Thanks, which is warmer?' },
        ],
      },
    ]);
  });

  it('round-trips an Anthropic tool-use answer through the OpenAI shape back into the next request', () => {
    const answer: AnthropicResponse = {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: upstreamModel,
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'toolu_01', name: 'search_docs', input: { query: 'pools', limit: 3 } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    const completion = fromAnthropicResponse(answer, { model: 'team-claude', created: 1 });
    const anthropic = translate({
      messages: [
        { role: 'user', content: 'How do pools work?' },
        completion.choices[0]?.message,
        { role: 'tool', tool_call_id: 'toolu_01', content: 'Pools group LLMs.' },
      ],
    });
    expect(anthropic.messages[1]).toEqual({ role: 'assistant', content: answer.content });
    expect(anthropic.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'Pools group LLMs.' }],
    });
  });

  it('translates tools, with an empty schema for tools without parameters', () => {
    const anthropic = translate({
      messages: [{ role: 'user', content: 'What time is it?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
        { type: 'function', function: { name: 'get_time' } },
      ],
    });
    expect(anthropic.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Current weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      { name: 'get_time', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(anthropic.tool_choice).toBeUndefined();
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    ['none', { type: 'none' }],
    [{ type: 'function', function: { name: 'get_time' } }, { type: 'tool', name: 'get_time' }],
  ])('maps tool_choice %j to %j', (toolChoice, expected) => {
    const tools = [{ type: 'function', function: { name: 'get_time' } }];
    const anthropic = translate({ messages: [{ role: 'user', content: 'now?' }], tools, tool_choice: toolChoice });
    expect(anthropic.tool_choice).toEqual(expected);
  });

  it('maps parallel_tool_calls: false to disable_parallel_tool_use', () => {
    const tools = [{ type: 'function', function: { name: 'get_time' } }];
    const messages = [{ role: 'user', content: 'now?' }];
    expect(translate({ messages, tools, parallel_tool_calls: false }).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(translate({ messages, tools, tool_choice: 'required', parallel_tool_calls: false }).tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
  });

  it('leaves tool_choice out when there are no tools, and rejects shapes Anthropic cannot express', () => {
    expect(translate({ messages: [{ role: 'user', content: 'hi' }], tool_choice: 'auto' })).not.toHaveProperty('tool_choice');
    const tools = [{ type: 'function', function: { name: 'get_time' } }];
    expect(() =>
      translate({ messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: { type: 'allowed_tools', allowed_tools: {} } }),
    ).toThrow(TranslationError);
  });

  it('turns stop into stop_sequences', () => {
    const messages = [{ role: 'user', content: 'count' }];
    expect(translate({ messages, stop: 'END' }).stop_sequences).toEqual(['END']);
    expect(translate({ messages, stop: ['\n\n', 'END'] }).stop_sequences).toEqual(['\n\n', 'END']);
    expect(translate({ messages, stop: [] })).not.toHaveProperty('stop_sequences');
    expect(translate({ messages, stop: null })).not.toHaveProperty('stop_sequences');
  });

  it('sends data: images as base64 and http images as url sources', () => {
    const anthropic = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(anthropic.messages[0]?.content).toEqual([
      { type: 'text', text: 'Compare these.' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('rejects content Anthropic cannot receive instead of dropping it', () => {
    const withPart = (part: unknown) => ({ messages: [{ role: 'user', content: [part] }] });
    expect(() => translate(withPart({ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }))).toThrow(
      /input_audio/,
    );
    expect(() => translate(withPart({ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }))).toThrow(
      TranslationError,
    );
    expect(() => translate({ messages: [{ role: 'system', content: 'only a system prompt' }] })).toThrow(
      TranslationError,
    );
    expect(() => translate({ messages: [{ role: 'user', content: 'hi' }], n: 2 })).toThrow(/n must be 1/);
  });

  it('defaults max_tokens, preferring max_completion_tokens over max_tokens as OpenAI does', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    expect(translate({ messages }).max_tokens).toBe(4096);
    expect(translate({ messages }, { defaultMaxTokens: 1024 }).max_tokens).toBe(1024);
    expect(translate({ messages, max_tokens: 200 }).max_tokens).toBe(200);
    expect(translate({ messages, max_completion_tokens: 300 }).max_tokens).toBe(300);
    expect(translate({ messages, max_tokens: 200, max_completion_tokens: 300 }).max_tokens).toBe(300);
  });

  it('clamps temperature to Anthropic range and carries the sampling fields Anthropic knows', () => {
    const request: ChatCompletionRequest = chatCompletionRequestSchema.parse({
      model: 'team-claude',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 1.6,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
      user: 'alice',
      presence_penalty: 0.5,
      logprobs: true,
      seed: 7,
    });
    expect(toAnthropicRequest(request, upstreamModel)).toEqual({
      model: upstreamModel,
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      temperature: 1,
      top_p: 0.9,
      stream: true,
      metadata: { user_id: 'alice' },
    });
    expect(translate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.3 }).temperature).toBe(0.3);
  });

  it('passes through the fields Anthropic accepts, and only in the shapes it accepts', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const passed = translate({ messages, top_k: 40, thinking, service_tier: 'standard_only', metadata: { user_id: 'u-7' }, user: 'alice' });
    expect(passed).toMatchObject({ top_k: 40, thinking, service_tier: 'standard_only', metadata: { user_id: 'u-7' } });
    // OpenAI's service tiers and free-form metadata would be a 400 at Anthropic: left out.
    const openAiShaped = translate({ messages, service_tier: 'flex', metadata: { team: 'search' } });
    expect(openAiShaped).not.toHaveProperty('service_tier');
    expect(openAiShaped).not.toHaveProperty('metadata');
  });
});
