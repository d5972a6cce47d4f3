import type { ChatMessage } from '@mcpctl/protocol';
import { TranslationError } from '../translation-error.js';
import { toAnthropicContent } from './to-anthropic-content.js';

/**
 * OpenAI `system` and `developer` messages, wherever they sit in the conversation, as
 * Anthropic's single top-level `system` prompt: Anthropic has no system role inside `messages`.
 * Pieces keep their order and are separated by blank lines.
 */
export function toAnthropicSystem(messages: ChatMessage[]): string | undefined {
  const pieces = messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .flatMap((message) => toAnthropicContent(message.content))
    .map((block) => {
      if (block.type !== 'text') {
        throw new TranslationError(
          `a system message may only hold text for an Anthropic model (got ${block.type})`,
        );
      }
      return block.text;
    });
  return pieces.length > 0 ? pieces.join('\n\n') : undefined;
}
