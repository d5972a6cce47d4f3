import { z } from 'zod';
import type { AnthropicContentBlock, ChatMessage } from '@mcpctl/protocol';
import { AnthropicTranslationError } from './anthropic-translation-error.js';
import { toAnthropicImageSource } from './to-anthropic-image-source.js';

// The protocol keeps content parts loose (mcpd passes most of them through); these read the
// few fields this translation needs.
const textPartSchema = z.object({ type: z.literal('text'), text: z.string() });
const refusalPartSchema = z.object({ type: z.literal('refusal'), refusal: z.string() });
const imagePartSchema = z.object({
  type: z.literal('image_url'),
  // Some clients send the URL as a bare string rather than `{url, detail}`.
  image_url: z.union([z.string(), z.object({ url: z.string() })]),
});

type ChatContentPart = Exclude<ChatMessage['content'], string | null | undefined>[number];

/**
 * An OpenAI message's content as Anthropic content blocks. Blank text is left out because
 * Anthropic rejects text blocks without any non-whitespace character.
 */
export function toAnthropicContent(content: ChatMessage['content']): AnthropicContentBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap(toAnthropicContentBlock);
}

function toAnthropicContentBlock(part: ChatContentPart): AnthropicContentBlock[] {
  const text = textPartSchema.safeParse(part);
  if (text.success) return textBlock(text.data.text);
  const refusal = refusalPartSchema.safeParse(part);
  if (refusal.success) return textBlock(refusal.data.refusal);
  const image = imagePartSchema.safeParse(part);
  if (image.success) {
    const url = typeof image.data.image_url === 'string' ? image.data.image_url : image.data.image_url.url;
    return [{ type: 'image', source: toAnthropicImageSource(url) }];
  }
  throw new AnthropicTranslationError(`content part of type "${part.type}" cannot be sent to an Anthropic model`);
}

function textBlock(text: string): AnthropicContentBlock[] {
  return text.trim() === '' ? [] : [{ type: 'text', text }];
}
