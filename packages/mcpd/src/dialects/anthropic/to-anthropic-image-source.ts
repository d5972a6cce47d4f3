import type { AnthropicImageSource } from '@mcpctl/protocol';
import { AnthropicTranslationError } from './anthropic-translation-error.js';

// `data:image/png;base64,AAAA` (parameters such as `;charset=…` may sit before `;base64`).
const base64DataUrlPattern = /^data:([^;,]+)[^,]*;base64,(.*)$/s;

/** The image an OpenAI `image_url` part points at, as an Anthropic image source. */
export function toAnthropicImageSource(url: string): AnthropicImageSource {
  const dataUrl = base64DataUrlPattern.exec(url);
  if (dataUrl) {
    return { type: 'base64', media_type: dataUrl[1] ?? '', data: dataUrl[2] ?? '' };
  }
  if (/^https?:\/\//i.test(url)) {
    return { type: 'url', url };
  }
  throw new AnthropicTranslationError(
    `image_url must be an http(s) URL or a base64 data: URL to reach an Anthropic model (got "${url.slice(0, 32)}…")`,
  );
}
