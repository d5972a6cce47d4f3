import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { badGateway, gatewayTimeout, HttpError } from '../errors.js';
import type { UpstreamRequest } from './dialect.js';

export interface UpstreamCallOptions {
  dispatcher: Dispatcher;
  signal: AbortSignal;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  /** Names the LLM in error messages. */
  llmName: string;
}

/** Raised when the caller went away; nobody is left to answer. */
export class CallerGoneError extends Error {
  constructor() {
    super('the caller disconnected');
    this.name = 'CallerGoneError';
  }
}

/** Sends the request and answers once the upstream's status and headers arrived. */
export async function callUpstream(upstream: UpstreamRequest, options: UpstreamCallOptions): Promise<Dispatcher.ResponseData> {
  try {
    return await request(upstream.url, {
      method: 'POST',
      headers: upstream.headers,
      body: upstream.body,
      dispatcher: options.dispatcher,
      signal: options.signal,
      // undici keeps these timers itself (the body's restarts with every chunk it reads) and
      // names their expiry in its own error types, so they take numbers, not the injected clock.
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
    });
  } catch (error) {
    throw upstreamFailure(error, options);
  }
}

/** Maps a transport failure to the status the caller should see. */
export function upstreamFailure(error: unknown, options: { signal: AbortSignal; llmName: string }): Error {
  if (options.signal.aborted) return new CallerGoneError();
  if (error instanceof HttpError) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return gatewayTimeout(`the upstream of ${options.llmName} did not answer in time`, error);
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return gatewayTimeout(`connecting to the upstream of ${options.llmName} timed out`, error);
  }
  return badGateway(`cannot reach the upstream of ${options.llmName}: ${describeNetworkError(error)}`, error);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = (error as { code?: string }).code ?? cause?.code;
  const message = (error as Error).message ?? String(error);
  if (code && !message.includes(code)) return `${message} (${code})`;
  return message;
}
