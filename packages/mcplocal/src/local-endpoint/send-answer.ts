import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '@mcpctl/protocol';
import { LocalEndpointError, ManagedServerError, McplocalError, ProviderError, ProviderUnavailableError, refusesTheRequest } from '../errors.js';
import type { LocalEndpointLog } from './local-endpoint-options.js';
import { isLoopbackHost } from './request-guard.js';
import { errorFrame } from './sse-writer.js';

export interface ErrorAnswer {
  status: number;
  message: string;
  retryAfter?: string | undefined;
  /** The end of a managed server's log: the caller is on this machine, it may read local paths. */
  log?: string | undefined;
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/**
 * The one place errors become answers: the endpoint's own refusals and mcpd's passed-on answers
 * keep their status; a local server that cannot serve now (a managed one, say) is a 503; a local provider's failure
 * is a 502 unless the local server refused the request itself; anything else is a bug, logged, and a 500 that names no internals.
 */
export function errorAnswer(error: unknown, log: LocalEndpointLog | undefined): ErrorAnswer {
  if (error instanceof LocalEndpointError) return { status: error.status, message: error.message, retryAfter: error.retryAfter };
  // A local provider's failure is told here too: the caller may be an editor that shows nothing of it.
  if (error instanceof McplocalError) log?.warn(`local endpoint request failed: ${error.message}`);
  if (error instanceof ProviderUnavailableError) {
    return { status: 503, message: error.message, retryAfter: error.retryAfterSeconds?.toString(), log: error instanceof ManagedServerError ? error.logTail : undefined };
  }
  if (refusesTheRequest(error)) return { status: error.status, message: error.message, retryAfter: error.retryAfter };
  // A server that took the request and never answered: a timeout, not a failure to reach it.
  if (error instanceof ProviderError && error.status === 504) return { status: 504, message: error.message };
  if (error instanceof McplocalError) return { status: 502, message: error.message };
  log?.error(`local endpoint request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return { status: 500, message: 'internal error; the mcplocal log has the details' };
}

/**
 * Answers `{"error": …}`. A body left unread (too large, or refused before it was read) closes
 * the connection with the answer instead of draining it.
 */
export function sendError(request: IncomingMessage, response: ServerResponse, answer: ErrorAnswer): void {
  const headers: Record<string, string> = {};
  if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
  if (!request.complete) headers.connection = 'close';
  // The log names local paths and command lines: only for a caller on this machine.
  const log = answer.log !== undefined && isLoopbackHost((request.socket.remoteAddress ?? '').replace(/^::ffff:/, '')) ? answer.log : undefined;
  const body: ErrorBody & { log?: string } = { error: answer.message, ...(log === undefined ? {} : { log }) };
  sendJson(response, answer.status, body, headers);
}

/**
 * Ends a stream whose answer had not begun (only comments went out: a wake's, or mcpd's) with the
 * failure's frame, which says the status the answer would have had, as mcpd's frames do.
 */
export function failUnansweredStream(response: ServerResponse, error: unknown, log: LocalEndpointLog | undefined): void {
  const answer = errorAnswer(error, log);
  response.end(errorFrame(answer.message, answer.status));
}
