import { HttpError } from '../errors.js';
import { sanitizeUpstreamText } from './sanitize-upstream-text.js';

/**
 * The same error with its message passed through {@link sanitizeUpstreamText}; its status and
 * `Retry-After` are kept. Errors that are not answers (a caller who left) pass unchanged.
 */
export function sanitizeUpstreamError(error: unknown, secrets: ReadonlyArray<string | null | undefined> = []): unknown {
  if (!(error instanceof HttpError)) return error;
  const message = sanitizeUpstreamText(error.message, secrets);
  if (message === error.message) return error;
  // The cause (a transport error, for the log) carries no upstream text.
  return new HttpError(error.statusCode, message, { cause: error.cause, retryAfterSeconds: error.retryAfterSeconds });
}
