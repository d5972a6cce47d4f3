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
  const code = [codeOf(error), codeOf(cause)].find((value) => value !== undefined);
  const added: string[] = [];
  if (causeMessage && !message.includes(causeMessage)) added.push(causeMessage);
  if (code && !message.includes(code) && !causeMessage.includes(code)) added.push(code);
  if (!message) return added.join(', ');
  return added.length > 0 ? `${message} (${added.join(', ')})` : message;
}

/**
 * OpenSSL's own text (`8040…:error:0A00010B:SSL routines:ssl3_get_record:wrong version
 * number:../deps/openssl/…:350:`) is cut to its reason.
 */
const OPENSSL_ERROR = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/;

function textOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'object' && error !== null ? '' : String(error);
  const tls = OPENSSL_ERROR.exec(error.message);
  if (tls?.[1]) return `TLS failed: ${tls[1]}`;
  // Node tries every address of a name and, when all refuse, throws them together with no message.
  if (!error.message && error instanceof AggregateError) {
    return error.errors.map((each) => (each instanceof Error ? each.message : String(each))).join(', ');
  }
  return error.message.replace(/\s+/g, ' ').trim();
}

function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
