import { McpdHttpError } from '../errors.js';

const LOGIN_HINT = 'the token in $MCPCTL_HOME/credentials (~/.mcpctl/credentials unless MCPCTL_HOME is set) was refused; run `mcpctl login` again';

/**
 * A 401: mcpd does not take the token (unknown, expired or revoked), which `mcpctl login` mends.
 * A 403 is not one: mcpd knows the user and refuses what was asked (a pool joined as a public
 * member without the grant, say), and its message already says what is needed.
 */
export function isRefusedToken(error: unknown): error is McpdHttpError {
  return error instanceof McpdHttpError && error.status === 401;
}

/** Refusals the publisher logs as errors: retrying alone will not make them pass. */
export function isRefusal(error: unknown): error is McpdHttpError {
  return error instanceof McpdHttpError && (error.status === 401 || error.status === 403);
}

/** The error a failed start rejects with: a refused token gains the hint to log in again, anything else stays as mcpd said it. */
export function withLoginHint(error: unknown): unknown {
  if (!isRefusedToken(error)) return error;
  return new McpdHttpError(error.status, `${error.message} (${LOGIN_HINT})`, { cause: error });
}

/**
 * The error line for a refusal on reconnecting. A refused token right after a stream that was up
 * ended names that end beside it: mcpd closes the streams of a token it revokes without a word of
 * why, and the 401 that follows is where the reason shows.
 */
export function refusalLine(error: McpdHttpError, streamEnded: string | undefined): string {
  if (error.status !== 401) return `mcpd refused this mcplocal: ${error.message}`;
  if (streamEnded === undefined) return `mcpd refused this mcplocal: ${error.message} (${LOGIN_HINT})`;
  return `mcpd refused this mcplocal's token as it reconnected after the control stream ended (${streamEnded}): ${error.message} (${LOGIN_HINT})`;
}
