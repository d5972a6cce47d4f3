import { systemClock } from '@mcpctl/clock';
import { upstreamErrorMessage } from '@mcpctl/dialects';
import { retryAfterOfHeaders } from '@mcpctl/protocol';
import { describeNetworkError, networkErrorCode, sendUpstream, type RestOfStreamTimer, type UpstreamAnswer } from '@mcpctl/upstream';
import { Agent } from 'undici';
import { ProviderError } from '../errors.js';
import { urlForMessage } from '../url-for-message.js';
import { pulledBody } from './pulled-body.js';
import { maskSecrets, providerSecrets } from '../provider-secrets.js';

/** One HTTP call to a local model server. */
export interface ProviderHttpRequest {
  /** The provider's name, for error messages. */
  provider: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** The parts of a zod schema these helpers use, so no zod import is needed here. */
export interface ResponseSchema<T> {
  safeParse(value: unknown):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/**
 * Sends the request and reads a whole JSON answer that must match `schema`. Whole answers and
 * streams go through undici's own client on a kept-alive agent: a relayed request pays for
 * this call, and `fetch`'s web streams cost several times more per call.
 */
export async function fetchProviderJson<T>(request: ProviderHttpRequest, schema: ResponseSchema<T>, what: string): Promise<T> {
  const text = await readAll(await openProviderAnswer(request), request);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ProviderError(502, `provider "${request.provider}" answered a ${what} that is not JSON: ${preview(text)}`, { cause: error });
  }
  return parseProviderBody(body, schema, what, request.provider);
}

/**
 * How long a local server may take to start answering: undici's own default, long enough for a
 * model that loads on its first request (Ollama, llama.cpp's router).
 */
const LOCAL_HEADERS_TIMEOUT_MS = 300_000;

/** Kept-alive connections to the local model servers; its `stats` tell how many are open and free. */
export const localServerAgent = new Agent({ keepAliveTimeout: 10_000, headersTimeout: LOCAL_HEADERS_TIMEOUT_MS });

/** The signal of a call nobody can abort. */
const NEVER = new AbortController().signal;

/**
 * Sends the request and resolves with the answer once a 2xx status arrived; its body is read
 * through the answer as the server writes it. A non-2xx answer becomes a ProviderError with the
 * server's status and message; an unreachable server a ProviderError 502; an abort rejects with
 * its reason.
 */
export async function openProviderAnswer(request: ProviderHttpRequest): Promise<UpstreamAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) headers['content-type'] ??= 'application/json';
  const signal = request.signal ?? NEVER;
  let answer: UpstreamAnswer;
  try {
    answer = await sendUpstream(
      { url: request.url, method: request.method, headers, body: request.body === undefined ? null : JSON.stringify(request.body) },
      { dispatcher: localServerAgent, signal, abortReason: () => abortReason(signal) },
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // Reached, and silent: not a server that cannot be reached.
    if (networkErrorCode(error) === 'UND_ERR_HEADERS_TIMEOUT') {
      throw new ProviderError(504, `provider "${request.provider}" at ${urlForMessage(request.url)} took the request but did not start answering within ${LOCAL_HEADERS_TIMEOUT_MS / 1000} s`, { cause: error });
    }
    const message = `cannot reach provider "${request.provider}" at ${urlForMessage(request.url)}: ${describeNetworkError(error)}`;
    throw new ProviderError(502, message, { cause: error });
  }
  if (answer.statusCode >= 200 && answer.statusCode < 300) return answer;
  // A server refusing what it was sent often quotes it: masked here, for every caller, mcpd and the log.
  const quoted = upstreamErrorMessage(await readAll(answer, request));
  const said = quoted === undefined ? undefined : maskSecrets(quoted, [...providerSecrets(request.url, undefined), ...sentCredentials(headers)]);
  const message = `provider "${request.provider}" answered HTTP ${answer.statusCode}${said === undefined ? '' : `: ${said}`}`;
  // Its wait in seconds, whichever way it said it (an HTTP date, `retry-after-ms`): the form every reader takes.
  const retryAfter = retryAfterOfHeaders(answer.headers, systemClock.now().getTime());
  throw new ProviderError(answer.statusCode, message, { ...(said === undefined ? {} : { serverMessage: said }), retryAfter: retryAfter === undefined ? undefined : String(retryAfter) });
}

/** The credentials a request's own headers carry: a bearer token, an Anthropic key. */
function sentCredentials(headers: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') found.push(value.replace(/^\S+\s+/, ''));
    else if (lower === 'x-api-key') found.push(value);
  }
  return found;
}

/** A local server's answer body as it arrives, for the readers that pull; `destroy` closes it (and its connection) early. */
export interface ProviderBody extends AsyncIterable<Uint8Array> {
  readonly destroyed: boolean;
  destroy(): void;
  /** The answer is complete: the rest of the body is read and dropped within bounds, so the connection is reused. */
  readRest(timer: RestOfStreamTimer): void;
}

/** {@link openProviderAnswer}, its body as something to pull from. */
export async function openProviderStream(request: ProviderHttpRequest): Promise<ProviderBody> {
  return pulledBody(await openProviderAnswer(request));
}

/** A whole body as text; a failure while reading it goes through {@link bodyFailure}. */
async function readAll(answer: UpstreamAnswer, request: ProviderHttpRequest): Promise<string> {
  try {
    // Unbounded, as a local server's whole answer always was: mcpd bounds what it takes of it.
    return await answer.text();
  } catch (error) {
    throw bodyFailure(error, request.provider, request.signal);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new ProviderError(499, 'the call was aborted');
}

/** `value` as `schema` describes it, or a ProviderError 502 naming the first mismatch. */
export function parseProviderBody<T>(value: unknown, schema: ResponseSchema<T>, what: string, provider: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  throw new ProviderError(502, `provider "${provider}" answered an unexpected ${what}: ${where}${issue?.message ?? 'invalid'}`);
}

/**
 * A failure while the answer's body was being read: the caller's abort passes through as its
 * reason; a ProviderError stays as it is; anything else means the connection broke.
 */
export function bodyFailure(error: unknown, provider: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof ProviderError) return error;
  return new ProviderError(502, `the connection to provider "${provider}" broke mid-answer: ${describeNetworkError(error)}`, {
    cause: error,
  });
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat || '(empty body)';
}
