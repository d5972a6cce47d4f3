import type { AnthropicContentBlock, AnthropicImageSource, ChatMessage } from '@mcpctl/protocol';
import { ProviderError } from '../../errors.js';

type ContentPart = Exclude<ChatMessage['content'], string | null | undefined>[number];

// `data:image/png;base64,AAAA` (parameters such as `;charset=…` may sit before `;base64`).
const BASE64_DATA_URL = /^data:([^;,]+)[^,]*;base64,(.*)$/s;

/**
 * An OpenAI message's content as Anthropic blocks. Blank text is left out: Anthropic rejects
 * text blocks without a non-whitespace character. A part Anthropic cannot take (audio, a file)
 * is the caller's mistake, answered 400 rather than silently dropped.
 */
export function toAnthropicContent(content: ChatMessage['content']): AnthropicContentBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap(toAnthropicBlock);
}

function toAnthropicBlock(part: ContentPart): AnthropicContentBlock[] {
  if (part.type === 'text' && typeof part['text'] === 'string') return textBlock(part['text']);
  if (part.type === 'refusal' && typeof part['refusal'] === 'string') return textBlock(part['refusal']);
  if (part.type === 'image_url') {
    const image = part['image_url'];
    // Some clients send the URL as a bare string rather than `{url, detail}`.
    const url = typeof image === 'string' ? image : (image as { url?: unknown } | undefined)?.url;
    if (typeof url === 'string') return [{ type: 'image', source: toImageSource(url) }];
  }
  throw new ProviderError(400, `a content part of type "${part.type}" cannot be sent to an Anthropic model`);
}

function toImageSource(url: string): AnthropicImageSource {
  const dataUrl = BASE64_DATA_URL.exec(url);
  if (dataUrl) return { type: 'base64', media_type: dataUrl[1] ?? '', data: dataUrl[2] ?? '' };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw new ProviderError(400, 'an image for an Anthropic model must be an http(s) URL or a base64 data: URL');
}

function textBlock(text: string): AnthropicContentBlock[] {
  return text.trim() === '' ? [] : [{ type: 'text', text }];
}
