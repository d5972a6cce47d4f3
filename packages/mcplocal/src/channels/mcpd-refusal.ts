import { errorBodySchema } from '@mcpctl/protocol';
import { McpdHttpError } from '../errors.js';

/**
 * mcpd's refusal of an exchange as an error: its `{"error"}` text when the body is one, else
 * `fallbackDetail` (the status line, or nothing). A proxy's HTML page is not quoted. `retryAfter`:
 * the `Retry-After` header in seconds, kept when it is one.
 */
export function mcpdRefusal(
  status: number,
  bodyText: string,
  what: string,
  fallbackDetail = '',
  retryAfter?: string | null,
  /** Said after the status line when the body is not mcpd's: a proxy in front of mcpd likely answered. */
  notFromMcpd?: string,
): McpdHttpError {
  let detail = fallbackDetail;
  let fromMcpd = false;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) {
      detail = parsed.data.error;
      fromMcpd = true;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status line is all there is to say.
  }
  if (!fromMcpd && notFromMcpd) detail = detail ? `${detail}; ${notFromMcpd}` : notFromMcpd;
  const seconds = retryAfter && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : undefined;
  // mcpd's words for this are fixed (SPEC §4.1); what to do about it is mcplocal's to say.
  if (/^Cannot publish over public (?:LLM|agent): /.test(detail)) detail += '; publish it under another name (publishName, or publishNameSuffix, in config.json)';
  return new McpdHttpError(status, `mcpd answered ${what} with HTTP ${status}${detail ? `: ${detail}` : ''}`, {
    retryAfterMs: seconds === undefined ? undefined : seconds * 1000,
  });
}
