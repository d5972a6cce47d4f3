import type { ServerResponse } from 'node:http';
import type { OpenAiError } from '@mcpctl/protocol';

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
};

/**
 * An OpenAI stream to the caller. The 200 and its headers go out with the first frame, so a
 * call that fails before producing anything still answers with a real error status.
 */
export class SseWriter {
  private started = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly headers: Readonly<Record<string, string>> = {},
    /** Ends a wait for a caller that does not read (the call is over: it left, or mcplocal stops). */
    private readonly signal?: AbortSignal,
  ) {}

  /** True once the 200 went out: from then on a failure can only be told in the stream. */
  get opened(): boolean {
    return this.started;
  }

  /** Writes one `data:` frame; resolves when the caller's socket took it (or is gone). */
  data(text: string): Promise<void> {
    this.open();
    return writeChunk(this.response, `data: ${text}\n\n`, this.signal);
  }

  /** Ends a complete stream. */
  done(): void {
    this.open();
    this.response.end('data: [DONE]\n\n');
  }

  /** Ends a broken stream with an explicit error frame and no `[DONE]`, as mcpd does, so clients do not take it for a whole answer. */
  fail(message: string): void {
    this.open();
    this.response.end(errorFrame(message));
  }

  private open(): void {
    if (this.started) return;
    this.started = true;
    // A stand-in answering into a stream mcpd opened: its head went out with mcpd's comments.
    if (this.response.headersSent) return;
    writeHeadKept(this.response, 200, { ...SSE_HEADERS, ...this.headers });
    this.response.flushHeaders();
  }
}

/**
 * The frame that tells a stream's reader the answer broke off; `status`, for a stream whose answer
 * never began, is the status the failure would have had (as mcpd's frames say it).
 */
export function errorFrame(message: string, status?: number): string {
  const frame: OpenAiError = { error: { message, type: 'upstream_error', ...(status === undefined ? {} : { status }) } };
  return `data: ${JSON.stringify(frame)}\n\n`;
}

/** Writes and waits for the socket to drain when it is full, so a slow caller slows the source instead of filling memory. */
export function writeChunk(response: ServerResponse, chunk: string | Uint8Array, signal?: AbortSignal): Promise<void> {
  if (response.destroyed || response.writableEnded) return Promise.resolve();
  if (response.write(chunk) || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done).off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    response.once('drain', done).once('close', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `writeHead` with the headers set one by one first, so `getHeader` still reads them once they
 * went out (a stop tells a stream from a whole answer by its `content-type`).
 */
export function writeHeadKept(response: ServerResponse, status: number, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.writeHead(status);
}
