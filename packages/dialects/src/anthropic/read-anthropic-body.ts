import { anthropicResponseSchema, anthropicStreamEventSchema, type AnthropicStreamEvent } from '@mcpctl/protocol';
import { UpstreamStreamError } from '../upstream-stream-error.js';

/*
 * Anthropic adds event, block and delta types over time (server tool use, citations). Ones this
 * translation does not know carry nothing it could pass on, so they are skipped rather than
 * failing the whole answer; known ones are still checked in full.
 */
const KNOWN_EVENTS = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error']);
const KNOWN_BLOCKS = new Set(['text', 'thinking', 'redacted_thinking', 'tool_use', 'tool_result', 'image']);
const KNOWN_DELTAS = new Set(['text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta']);

/** A whole Messages response, its unknown content blocks left out; parse it as the protocol's schema. */
export const anthropicResponseBodySchema = {
  safeParse(value: unknown): ReturnType<typeof anthropicResponseSchema.safeParse> {
    if (isRecord(value) && Array.isArray(value.content)) {
      value = { ...value, content: value.content.filter((block) => isRecord(block) && KNOWN_BLOCKS.has(String(block.type))) };
    }
    return anthropicResponseSchema.safeParse(value);
  },
};

/**
 * One parsed stream frame as an Anthropic event; undefined for an event, block or delta type
 * this translation does not know. A known event that does not match its type is a broken
 * stream: {@link UpstreamStreamError} `invalid_stream`.
 */
export function readAnthropicStreamEvent(frame: unknown): AnthropicStreamEvent | undefined {
  if (!isKnownAnthropicEvent(frame)) return undefined;
  const parsed = anthropicStreamEventSchema.safeParse(frame);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  throw new UpstreamStreamError('invalid_stream', `an Anthropic ${String((frame as { type: unknown }).type)} event is malformed: ${where}${issue?.message ?? 'invalid'}`);
}

function isKnownAnthropicEvent(frame: unknown): boolean {
  if (!isRecord(frame) || !KNOWN_EVENTS.has(String(frame.type))) return false;
  if (frame.type === 'content_block_start') return isRecord(frame.content_block) && KNOWN_BLOCKS.has(String(frame.content_block.type));
  if (frame.type === 'content_block_delta') return isRecord(frame.delta) && KNOWN_DELTAS.has(String(frame.delta.type));
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
