import type { AnthropicContentBlock, ChatMessage } from '@mcpctl/protocol';
import { readContentPart, type ChatContentPart } from '../read-content-part.js';
import { TranslationError } from '../translation-error.js';
import { toAnthropicImageSource } from './to-anthropic-image-source.js';

/**
 * An OpenAI message's content as Anthropic content blocks. Blank text is left out because
 * Anthropic rejects text blocks without any non-whitespace character. A part Anthropic cannot
 * take (audio, a file) is the caller's mistake, refused rather than silently dropped.
 */
export function toAnthropicContent(content: ChatMessage['content']): AnthropicContentBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap(toAnthropicContentBlock);
}

function toAnthropicContentBlock(part: ChatContentPart): AnthropicContentBlock[] {
  const read = readContentPart(part);
  if (read?.type === 'text') return textBlock(read.text);
  if (read?.type === 'image') return [{ type: 'image', source: toAnthropicImageSource(read.url) }];
  throw new TranslationError(`content part of type "${part.type}" cannot be sent to an Anthropic model`);
}

function textBlock(text: string): AnthropicContentBlock[] {
  return text.trim() === '' ? [] : [{ type: 'text', text }];
}
