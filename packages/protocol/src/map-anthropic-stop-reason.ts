import type { FinishReason } from './openai.js';

/**
 * Anthropic's `stop_reason` as an OpenAI `finish_reason`. A missing or unknown reason (e.g.
 * `pause_turn`) maps to `stop`: clients need some finish reason, and the turn did end.
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
