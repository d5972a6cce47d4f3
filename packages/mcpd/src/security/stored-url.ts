import { maskUrl } from './mask-url.js';
import type { SecretBox } from './secret-box.js';

/** The columns a public LLM's URL is stored in. */
export interface StoredUrl {
  url: string;
  urlSealed: string | null;
}

/**
 * A URL holding credentials or secret query values is stored masked, as views show it, with the
 * whole URL sealed beside it like an API key; any other URL is stored as it is.
 */
export function storedUrl(url: string, secrets: SecretBox): StoredUrl {
  const masked = maskUrl(url);
  return masked === url ? { url, urlSealed: null } : { url: masked, urlSealed: secrets.seal(url) };
}

/** The URL a row was given, opened when it is sealed. */
export function realUrl(row: { url: string | null; urlSealed: string | null }, secrets: SecretBox): string | null {
  return row.urlSealed === null ? row.url : secrets.open(row.urlSealed);
}
