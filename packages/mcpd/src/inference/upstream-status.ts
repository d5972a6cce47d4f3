import { REQUEST_REFUSAL_STATUSES } from '@mcpctl/protocol';
import { HttpError } from '../errors.js';

/**
 * Statuses that describe the caller's request rather than a failing upstream pass through
 * (with the upstream's message; 508 is a request that came back round to an mcpd it already
 * passed); every other failure is a 502. A 401/403 from the upstream
 * means mcpd's stored key is wrong — passing it on would tell the caller their own token
 * failed, so it becomes a 502 too.
 */
const PASSED_THROUGH = new Set([...REQUEST_REFUSAL_STATUSES, 508]);

export function upstreamStatusError(
  status: number,
  message: string | undefined,
  llmName: string,
  /** How long the upstream asked to wait, in whole seconds (`retryAfterOfHeaders`). */
  retryAfterSeconds: number | undefined,
): HttpError {
  const detail = message ? `: ${oneLine(message)}` : '';
  if (PASSED_THROUGH.has(status)) {
    const wait = retryAfterSeconds ?? (status === 429 ? 1 : undefined);
    return new HttpError(status, `the upstream of ${llmName} rejected the request (HTTP ${status})${detail}`, wait === undefined ? {} : { retryAfterSeconds: wait });
  }
  if (status === 401 || status === 403) {
    return new HttpError(502, `the upstream of ${llmName} refused mcpd's credentials (HTTP ${status})${detail}; check the LLM's API key, or the user:pass@ of its URL`);
  }
  return new HttpError(502, `the upstream of ${llmName} failed (HTTP ${status})${detail}`);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
