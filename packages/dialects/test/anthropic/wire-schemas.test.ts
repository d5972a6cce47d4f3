import { describe, expect, it } from 'vitest';
import { anthropicResponseSchema, chatCompletionChunkSchema, chatCompletionSchema } from '@mcpctl/protocol';
import { fromAnthropicResponse } from '../../src/index.js';
import { readAnthropicEvents } from './read-anthropic-events.js';
import { translateAnthropicStream } from './translate-anthropic-stream.js';

const fixtures = ['text-answer.sse', 'tool-use-answer.sse', 'thinking-answer.sse', 'overloaded-mid-stream.sse', 'truncated.sse'];

describe('translated objects', () => {
  it('are valid OpenAI chunks and completions per the protocol schemas', () => {
    let validated = 0;
    for (const fixture of fixtures) {
      for (const includeUsage of [false, true]) {
        for (const chunk of translateAnthropicStream(readAnthropicEvents(fixture), includeUsage).chunks) {
          expect(chatCompletionChunkSchema.safeParse(chunk).error, `${fixture}: ${JSON.stringify(chunk)}`).toBeUndefined();
          validated += 1;
        }
      }
    }
    const responses = [
      { content: [{ type: 'text', text: 'Hello' }], stop_reason: 'end_turn' },
      { content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_time', input: { zone: 'UTC' } }], stop_reason: 'tool_use' },
      { content: [{ type: 'thinking', thinking: 'Hmm.', signature: 'sig' }, { type: 'text', text: 'Yes.' }], stop_reason: null },
    ];
    for (const overrides of responses) {
      const response = anthropicResponseSchema.parse({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        usage: { input_tokens: 3, output_tokens: 4 },
        ...overrides,
      });
      const completion = fromAnthropicResponse(response, { model: 'team-claude', created: 1 });
      expect(chatCompletionSchema.safeParse(completion).error, JSON.stringify(completion)).toBeUndefined();
      validated += 1;
    }
    expect(validated).toBeGreaterThan(60);
  });
});
