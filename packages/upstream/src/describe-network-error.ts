/**
 * A network failure in words a user can act on. `fetch failed` or `terminated` alone says
 * little: undici puts the reason (`connect ECONNREFUSED 127.0.0.1:8000`, `other side closed`)
 * in the error's `cause`, and a Node or undici error carries its code (`ECONNRESET`,
 * `UND_ERR_SOCKET`) apart from its message. Each is added once, unless the text already says it.
 */
export function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const causeMessage = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : undefined;
  const code = [(error as { code?: unknown } | null)?.code, cause?.code].find((value): value is string => typeof value === 'string');
  const added: string[] = [];
  if (causeMessage && !message.includes(causeMessage)) added.push(causeMessage);
  if (code && !message.includes(code) && !causeMessage?.includes(code)) added.push(code);
  return added.length > 0 ? `${message} (${added.join(', ')})` : message;
}
