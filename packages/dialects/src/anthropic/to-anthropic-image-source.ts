import type { AnthropicImageSource } from '@mcpctl/protocol';
import { readBase64DataUrl } from '../read-content-part.js';
import { TranslationError } from '../translation-error.js';

/** The image an OpenAI `image_url` part points at, as an Anthropic image source. */
export function toAnthropicImageSource(url: string): AnthropicImageSource {
  const dataUrl = readBase64DataUrl(url);
  if (dataUrl) return { type: 'base64', media_type: dataUrl.mediaType, data: dataUrl.data };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw new TranslationError(
    `image_url must be an http(s) URL or a base64 data: URL to reach an Anthropic model (got "${url.slice(0, 32)}…")`,
  );
}
