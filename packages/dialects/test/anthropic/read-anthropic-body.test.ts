import { describe, expect, it } from 'vitest';
import { anthropicResponseBodySchema, readAnthropicStreamEvent, UpstreamStreamError } from '../../src/index.js';

/** Stream frames: read as the event, skipped (undefined) as a type added to the API later, or refused as malformed. */
const frames: Array<{ name: string; frame: unknown; read: 'event' | 'skipped' | RegExp }> = [
  { name: 'a text delta', frame: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }, read: 'event' },
  { name: 'a ping', frame: { type: 'ping' }, read: 'event' },
  { name: 'an event type added later', frame: { type: 'message_annotation', data: {} }, read: 'skipped' },
  { name: 'a block type added later', frame: { type: 'content_block_start', index: 1, content_block: { type: 'server_tool_use', id: 's1' } }, read: 'skipped' },
  { name: 'a delta type added later', frame: { type: 'content_block_delta', index: 1, delta: { type: 'citations_delta', citation: {} } }, read: 'skipped' },
  { name: 'a known event without its fields', frame: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta' } }, read: /content_block_delta event is malformed: delta.text/ },
  { name: 'not an object', frame: 'ping', read: 'skipped' },
];

describe('Anthropic stream frame -> event', () => {
  it.each(frames)('$name', ({ frame, read }) => {
    if (read === 'event') expect(readAnthropicStreamEvent(frame)).toEqual(frame);
    else if (read === 'skipped') expect(readAnthropicStreamEvent(frame)).toBeUndefined();
    else {
      expect(() => readAnthropicStreamEvent(frame)).toThrow(UpstreamStreamError);
      expect(() => readAnthropicStreamEvent(frame)).toThrow(read);
    }
  });
});

describe('Anthropic whole response body', () => {
  it('leaves out content blocks of types added later instead of failing the answer', () => {
    const body = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [{ type: 'server_tool_use', id: 's1', name: 'web_search', input: {} }, { type: 'text', text: 'Found it.' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 1, output_tokens: 2 },
    };
    const parsed = anthropicResponseBodySchema.safeParse(body);
    expect(parsed.success && parsed.data.content).toEqual([{ type: 'text', text: 'Found it.' }]);
    expect(anthropicResponseBodySchema.safeParse({ ...body, usage: undefined }).success).toBe(false);
  });
});
