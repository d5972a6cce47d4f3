import { maskUrl, restoreMaskedUrl } from './mask-url.js';
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

/**
 * The URL a row was given, opened when it is sealed. A row an older mcpd wrote since (a replica
 * not yet upgraded, or a rollback) holds its new URL in clear beside a stale sealed one: the
 * sealed URL counts only while `url` is still its masked view.
 */
export function realUrl(row: { url: string | null; urlSealed: string | null }, secrets: SecretBox): string | null {
  if (row.urlSealed === null) return row.url;
  const opened = secrets.open(row.urlSealed);
  if (maskUrl(opened) === row.url || row.url === null) return opened;
  // The older mcpd filled a view's masks from `url`, masked itself: its `***` stand for the sealed values.
  const restored = restoreMaskedUrl(row.url, opened);
  return restored.unknown.length === 0 ? restored.url : row.url;
}
