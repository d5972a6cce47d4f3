import { SseOverflowError } from '@mcpctl/dialects';
import { describeNetworkError, sendUpstream, type CancelSignal, type UpstreamAnswer } from '@mcpctl/upstream';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import { badGateway, gatewayTimeout, HttpError } from '../errors.js';
import type { UpstreamRequest } from './dialect.js';

export type { BodyReader, UpstreamAnswer } from '@mcpctl/upstream';

export interface UpstreamCallOptions {
  dispatcher: Dispatcher;
  signal: CancelSignal;
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

/** Sends the request and answers once the upstream's status and headers arrived; failures come mapped to the caller's status. */
export function callUpstream(upstream: UpstreamRequest, options: UpstreamCallOptions): Promise<UpstreamAnswer> {
  const sent = sendUpstream(
    { url: upstream.url, method: 'POST', headers: upstream.headers, body: upstream.body },
    {
      dispatcher: options.dispatcher,
      signal: options.signal,
      abortReason: () => new CallerGoneError(),
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.idleTimeoutMs,
    },
  );
  return sent.catch((error: unknown) => {
    throw upstreamFailure(error, options);
  });
}

/** The whole body as text, bounded by `maxBytes` (MCPD_MAX_RESULT_BYTES). */
export function answerText(answer: UpstreamAnswer, maxBytes: number, llmName: string): Promise<string> {
  return answer.text({ maxBytes, tooLarge: () => badGateway(`the upstream of ${llmName} answered more than ${maxBytes} bytes (MCPD_MAX_RESULT_BYTES)`) });
}

/**
 * Maps a transport failure to the status the caller should see. `answered`: the upstream's status
 * and headers had come, so the connection broke during its answer rather than before it.
 */
export function upstreamFailure(error: unknown, options: { signal: CancelSignal; llmName: string; answered?: boolean }): Error {
  if (options.signal.aborted) return new CallerGoneError();
  if (error instanceof HttpError) return error;
  if (error instanceof SseOverflowError) return badGateway(`the upstream of ${options.llmName} failed mid-stream: ${error.message}`, error);
  if (error instanceof undiciErrors.HeadersTimeoutError) return gatewayTimeout(`the upstream of ${options.llmName} did not answer in time`, error);
  // Its status and headers came, then nothing for the idle timeout.
  if (error instanceof undiciErrors.BodyTimeoutError) return gatewayTimeout(`the upstream of ${options.llmName} went silent mid-answer`, error);
  // Nothing reached the server: a host that is down, as unreachable as a refused connection (a pool retries it elsewhere).
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return badGateway(`cannot reach the upstream of ${options.llmName}: connecting timed out`, error);
  }
  if (options.answered) return badGateway(`the connection to the upstream of ${options.llmName} broke mid-answer: ${describeNetworkError(error)}`, error);
  return badGateway(`cannot reach the upstream of ${options.llmName}: ${describeNetworkError(error)}`, error);
}
