/**
 * Anthropic's `stop_reason` as an OpenAI finish reason, the vocabulary relays speak. A missing
 * or unknown reason (`pause_turn`) is `stop`: the turn did end.
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined): string {
  switch (stopReason) {
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
