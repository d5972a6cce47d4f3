/**
 * A network failure in words a user can act on. `fetch failed` or `other side closed` alone
 * says little: undici puts the reason (`connect ECONNREFUSED 127.0.0.1:8000`) in the error's
 * `cause`, and a Node error carries its code (`ECONNRESET`) apart from its message.
 */
export function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const causeMessage = typeof cause?.message === 'string' ? cause.message : undefined;
  if (causeMessage && causeMessage !== message) return `${message} (${causeMessage})`;
  const code = [(error as { code?: unknown } | null)?.code, cause?.code].find((value): value is string => typeof value === 'string');
  if (code && !message.includes(code)) return `${message} (${code})`;
  return message;
}
