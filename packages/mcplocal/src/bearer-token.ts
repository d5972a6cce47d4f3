/**
 * The user's mcpd token as a part that sends it holds it: the token itself, or a function asked
 * at each request, so that a token `mcpctl login` wrote since (see `LiveCredentials`) is the one
 * the next request carries.
 */
export type BearerToken = string | (() => string);

/** The token to send (or compare against) now. */
export function currentToken(token: BearerToken): string {
  return typeof token === 'function' ? token() : token;
}
