import { TASK_ERROR_MAX_CHARS } from '@mcpctl/protocol';
import { cutBeforeMasking } from '@mcpctl/upstream';
import { maskUrlsInText } from './mask-url.js';

const MASK = '***';
/**
 * Shorter "secrets" (an empty key, `no`) would mask letters of ordinary words. A short password
 * is still masked: a word of a message lost to `***` costs less than a credential shown.
 */
const MIN_SECRET_LENGTH = 3;
/** The most of an upstream's or a publisher's words a caller, the audit or the log is given: a publisher's error result's own bound. */
export const UPSTREAM_TEXT_MAX_CHARS = TASK_ERROR_MAX_CHARS;
const MASKED_TEXT_MAX_CHARS = UPSTREAM_TEXT_MAX_CHARS + 1_000;

/** `Bearer …` credentials, as an upstream echoes an Authorization header. */
const BEARER = /\b(Bearer)(\s+)[A-Za-z0-9\-._~+/=:]{4,}/gi;
/** `Basic …` credentials; the lookahead keeps "Basic authentication" a phrase. */
const BASIC = /\b(Basic)(\s+)(?=[A-Za-z]*[0-9+/=])[A-Za-z0-9+/]{6,}={0,2}/gi;
/** Provider-style keys: `sk-…`, `sk-ant-…`, `sk-proj-…`, `rk-…`, `pk-…`. */
const PREFIXED_KEY = /\b((?:sk|rk|pk)-)[A-Za-z0-9\-_]{8,}/g;
/** `api_key: xyz`, `"token": "xyz"`, `x-api-key=xyz` in a JSON or text echo. */
const NAMED_SECRET =
  /(\b(?:x-)?(?:api[-_]?key|access[-_]?token|refresh[-_]?token|auth[-_]?token|token|secret|password|passwd|authorization)\b["']?\s*[:=]\s*["']?)(?!\*\*\*|(?:Bearer|Basic)\s)[^\s"',;&}]{3,}/gi;

/**
 * What an upstream or a publisher says before it reaches a caller or the audit: a model server
 * that echoes the request it refused (a 401 quoting the `Authorization` header is common) would
 * otherwise hand mcpd's stored key to whoever made the call. Masks each of `secrets` (the LLM's
 * stored key) wherever it appears, every bearer-style credential, provider-style keys, named
 * secret values and the credentials and secret query parameters of URLs.
 */
export function sanitizeUpstreamText(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  // A publisher may send megabytes of it: no more is masked than is kept, with room for what
  // masking takes out.
  let clean = cutBeforeMasking(text, MASKED_TEXT_MAX_CHARS, secrets);
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    clean = clean.replaceAll(secret, MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) clean = clean.replaceAll(encoded, MASK);
  }
  const masked = maskUrlsInText(clean)
    .replace(BEARER, (_match, scheme: string, space: string) => `${scheme}${space}${MASK}`)
    .replace(BASIC, (_match, scheme: string, space: string) => `${scheme}${space}${MASK}`)
    .replace(PREFIXED_KEY, (_match, prefix: string) => `${prefix}${MASK}`)
    .replace(NAMED_SECRET, (_match, name: string) => `${name}${MASK}`);
  if (masked.length > UPSTREAM_TEXT_MAX_CHARS) return `${masked.slice(0, UPSTREAM_TEXT_MAX_CHARS - 1)}…`;
  // Cut before masking, and shorter for it: still said to be cut.
  return text.length > MASKED_TEXT_MAX_CHARS ? `${masked}…` : masked;
}
