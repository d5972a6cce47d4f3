/**
 * A network failure in one line a user can act on. `fetch failed` or `terminated` alone says
 * little: undici puts the reason (`connect ECONNREFUSED 127.0.0.1:8000`, `other side closed`)
 * in the error's `cause`, and a Node or undici error carries its code (`ECONNRESET`,
 * `UND_ERR_SOCKET`) apart from its message. Each is added once, unless the text already says it.
 */
export function describeNetworkError(error: unknown): string {
  const message = textOf(error);
  const cause = error instanceof Error ? error.cause : undefined;
  const causeMessage = cause === undefined || cause === null ? '' : textOf(cause);
  const code = networkErrorCode(error);
  const added: string[] = [];
  if (causeMessage && !message.includes(causeMessage)) added.push(causeMessage);
  if (code && !message.includes(code) && !causeMessage.includes(code)) added.push(code);
  if (!message) return added.length > 0 ? added.join(', ') : 'no reason given';
  return added.length > 0 ? `${message} (${added.join(', ')})` : message;
}

/**
 * The code of a network failure (`ECONNREFUSED`, `UND_ERR_SOCKET`, `ERR_SSL_…`): the error's
 * own, else its cause's, else that of the first error an AggregateError holds.
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * OpenSSL's own text (`8040…:error:0A00010B:SSL routines:ssl3_get_record:wrong version
 * number:../deps/openssl/…:350:`), alone or after Node's `write EPROTO `, is cut to its reason.
 */
const OPENSSL_ERROR = /(?:^|\s)[0-9A-F]{8,}:error:[0-9A-F]{8}:[^:]*:[^:]*:([^:]+):/;

function textOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  // Node sets OpenSSL's reason apart on TLS errors; the message then holds OpenSSL's whole text.
  const { library, reason, message } = error as { library?: unknown; reason?: unknown; message?: unknown };
  if (typeof library === 'string' && typeof reason === 'string' && reason) return `TLS failed: ${reason}`;
  const text = typeof message === 'string' ? message : '';
  const tls = OPENSSL_ERROR.exec(text);
  if (tls?.[1]) return `TLS failed: ${tls[1]}`;
  // Node tries every address of a name and, when all refuse, throws them together with no message.
  if (!text && error instanceof AggregateError) return error.errors.map((each) => textOf(each)).join(', ');
  return text.replace(/\s+/g, ' ').trim();
}
