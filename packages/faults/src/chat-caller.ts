import { deadline } from './deadline.js';
import { SseTally, type StreamEnd } from './sse-tally.js';

/** mcpd as a remote caller reaches it: its URL and a bearer token. */
export interface McpdAccess {
  url: string;
  token: string;
}

export interface CallOptions {
  /** The caller gives up after this long and records a timeout. */
  capMs: number;
  signal?: AbortSignal | undefined;
  /** Extra fields of the chat request (`max_tokens` …). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A whole (non-streaming) answer; instants are `performance.now()` milliseconds. */
export interface CallResult {
  status: number | undefined;
  startedAt: number;
  endedAt: number;
  /** The body, or what went wrong on the way (refused connection, reset, timeout). */
  text: string;
  /** No HTTP answer at all: the connection failed or the cap passed. */
  failure: 'refused' | 'broken' | 'timeout' | undefined;
}

export interface StreamResult {
  status: number | undefined;
  startedAt: number;
  headersAt: number | undefined;
  endedAt: number;
  end: StreamEnd | 'refused' | 'not-a-stream';
  tally: SseTally;
  /** The body of an answer that was not a stream (an error status). */
  text: string;
}

function chatRequest(model: string, stream: boolean, extra: Record<string, unknown> | undefined): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'Say something.' }], stream, ...extra });
}

function headersFor(access: McpdAccess, options: CallOptions): Record<string, string> {
  return { authorization: `Bearer ${access.token}`, 'content-type': 'application/json', ...options.headers };
}

/** One non-streaming chat request to `POST /v1/chat/completions`; never throws. */
export async function callChat(access: McpdAccess, model: string, options: CallOptions): Promise<CallResult> {
  const startedAt = performance.now();
  const limit = deadline(options.capMs, options.signal);
  try {
    const response = await fetch(`${access.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headersFor(access, options),
      body: chatRequest(model, false, options.extra),
      signal: limit.signal,
    });
    const text = await response.text();
    return { status: response.status, startedAt, endedAt: performance.now(), text, failure: undefined };
  } catch (error) {
    const failure = limit.signal.aborted ? 'timeout' : isRefused(error) ? 'refused' : 'broken';
    return { status: undefined, startedAt, endedAt: performance.now(), text: describeError(error), failure };
  } finally {
    limit.clear();
  }
}

/** One streaming chat request, read frame by frame until it ends or the cap passes; never throws. */
export async function streamChat(access: McpdAccess, model: string, options: CallOptions): Promise<StreamResult> {
  const startedAt = performance.now();
  const tally = new SseTally();
  const limit = deadline(options.capMs, options.signal);
  const result = (fields: Partial<StreamResult> & Pick<StreamResult, 'end'>): StreamResult => ({
    status: undefined,
    startedAt,
    headersAt: undefined,
    endedAt: performance.now(),
    tally,
    text: '',
    ...fields,
  });
  let response: Response;
  try {
    response = await fetch(`${access.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headersFor(access, options), accept: 'text/event-stream' },
      body: chatRequest(model, true, options.extra),
      signal: limit.signal,
    });
  } catch (error) {
    limit.clear();
    const end = limit.signal.aborted ? 'timeout' : isRefused(error) ? 'refused' : 'reset';
    return result({ end, text: describeError(error) });
  }
  const headersAt = performance.now();
  const common = { status: response.status, headersAt };
  try {
    if (!response.ok || !response.headers.get('content-type')?.includes('text/event-stream') || !response.body) {
      return result({ ...common, end: 'not-a-stream', text: await response.text() });
    }
    const decoder = new TextDecoder();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      tally.add(decoder.decode(value, { stream: true }));
    }
    return result({ ...common, end: tally.end(false) });
  } catch {
    return result({ ...common, end: limit.signal.aborted ? 'timeout' : tally.end(true) });
  } finally {
    limit.clear();
  }
}

function isRefused(error: unknown): boolean {
  return /ECONNREFUSED/.test(describeError(error));
}

/** `fetch failed` alone says nothing; undici puts the reason in `cause`. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current && parts.length < 4; current = (current as { cause?: unknown }).cause) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error is described as String() shows it
    const message = current instanceof Error ? current.message : String(current);
    if (!parts.includes(message)) parts.push(message);
  }
  return parts.join(': ');
}

/** The message of an `{"error": …}` body (OpenAI's `{"error": {"message"}}` too), or the text itself. */
export function errorMessageOf(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
}

/** `done`, `error-frame: MESSAGE`, `HTTP 502: MESSAGE` …, for a figure. */
export function describeStreamEnd(result: StreamResult): string {
  if (result.end === 'not-a-stream') return `HTTP ${String(result.status)}: ${errorMessageOf(result.text).slice(0, 100)}`;
  if (result.end === 'error-frame') return `error-frame: ${result.tally.errorMessage?.slice(0, 100) ?? ''}`;
  return result.end;
}
