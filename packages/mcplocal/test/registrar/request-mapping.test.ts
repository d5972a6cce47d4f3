import { describe, expect, it } from 'vitest';
import { toCompletionOptions } from '../../src/registrar/request-mapping.js';

describe('toCompletionOptions', () => {
  const signal = new AbortController().signal;

  it('maps the OpenAI fields and passes the rest on as extra, max_completion_tokens and stop as the caller wrote them', () => {
    const tools = [{ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }];
    const options = toCompletionOptions(
      {
        model: 'qwen-alice',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.3,
        max_tokens: 100,
        max_completion_tokens: 50,
        top_p: 0.9,
        stop: '###',
        tools,
        tool_choice: 'auto',
        stream_options: { include_usage: true },
        seed: 7,
        chat_template_kwargs: { enable_thinking: false },
      },
      signal,
    );
    expect(options).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      maxTokens: 100,
      topP: 0.9,
      tools,
      toolChoice: 'auto',
      // The caller's own ask for the usage chunk: a server that refused stream_options before is asked anyway.
      usageAsked: true,
      extra: { max_completion_tokens: 50, stop: '###', seed: 7, chat_template_kwargs: { enable_thinking: false } },
      signal,
    });
  });

  it('treats null parameters as absent', () => {
    const options = toCompletionOptions({ messages: [{ role: 'user', content: 'hi' }], temperature: null, max_tokens: null, max_completion_tokens: null, stop: null }, signal);
    expect(options.temperature).toBeUndefined();
    expect(options.maxTokens).toBeUndefined();
    expect(options.stop).toBeUndefined();
    expect(options.extra).toBeUndefined();
  });

  it('rejects a body without messages, naming the field', () => {
    expect(() => toCompletionOptions({ temperature: 1 }, signal)).toThrow(/invalid chat request: messages/);
  });
});
