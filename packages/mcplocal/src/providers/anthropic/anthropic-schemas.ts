import { anthropicResponseSchema, type AnthropicResponse } from '@mcpctl/protocol';
import type { ResponseSchema } from '../provider-http.js';

/*
 * Anthropic adds event, block and delta types over time (server tool use, citations). Ones this
 * provider does not know carry nothing it could pass on, so they are skipped rather than
 * failing the whole answer; known ones are still checked in full.
 */
const KNOWN_EVENTS = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error']);
const KNOWN_BLOCKS = new Set(['text', 'thinking', 'redacted_thinking', 'tool_use', 'tool_result', 'image']);
const KNOWN_DELTAS = new Set(['text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta']);

/** A whole Messages response, its unknown content blocks left out. */
export const anthropicResponseBodySchema: ResponseSchema<AnthropicResponse> = {
  safeParse(value) {
    if (isRecord(value) && Array.isArray(value.content)) {
      value = { ...value, content: value.content.filter((block) => isRecord(block) && KNOWN_BLOCKS.has(String(block.type))) };
    }
    return anthropicResponseSchema.safeParse(value);
  },
};

/** Whether a stream event is one this provider reads (and so checks in full). */
export function isKnownAnthropicEvent(frame: unknown): boolean {
  if (!isRecord(frame) || !KNOWN_EVENTS.has(String(frame.type))) return false;
  if (frame.type === 'content_block_start') return isRecord(frame.content_block) && KNOWN_BLOCKS.has(String(frame.content_block.type));
  if (frame.type === 'content_block_delta') return isRecord(frame.delta) && KNOWN_DELTAS.has(String(frame.delta.type));
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
