import { homedir } from 'node:os';
import { join } from 'node:path';
import { McpdHttpError } from '../errors.js';

/** The hint of a refused token when the home mcplocal reads is not known. */
export const LOGIN_HINT = 'the token in $MCPCTL_HOME/credentials (~/.mcpctl/credentials unless MCPCTL_HOME is set) was refused; run `mcpctl login` again';

/** The hint of a refused token, naming the file mcplocal read it from, and the MCPCTL_HOME `mcpctl login` needs to write it there. */
export function loginHintFor(home: string): string {
  const elsewhere = home === join(homedir(), '.mcpctl') ? '' : ` with MCPCTL_HOME=${home}`;
  return `the token in ${join(home, 'credentials')} was refused; run \`mcpctl login\` again${elsewhere}`;
}

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
export function withLoginHint(error: unknown, hint: string): unknown {
  if (!isRefusedToken(error)) return error;
  return new McpdHttpError(error.status, `${error.message} (${hint})`, { cause: error });
}

/**
 * The error line for a refusal on reconnecting, without the wait before the next attempt. A
 * refused token right after a stream that was up ended names that end beside it: the 401 that
 * follows is where the reason shows, on a transport whose close cannot carry one.
 */
export function refusalLine(error: McpdHttpError, streamEnded: string | undefined, hint: string): string {
  if (error.status !== 401) return `mcpd refused this mcplocal: ${error.message}`;
  if (streamEnded === undefined) return `mcpd refused this mcplocal: ${error.message} (${hint})`;
  return `mcpd refused this mcplocal's token as it reconnected after the control stream ended (${streamEnded}): ${error.message} (${hint})`;
}
