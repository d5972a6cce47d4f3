import type { Clock } from '@mcpctl/clock';
import type { CancelSignal } from '@mcpctl/upstream';
import type { Caller, CallerSink } from './caller.js';
import { ForwardingSink } from './forwarding-sink.js';

/** The comment a waiting streaming caller hears; SSE clients ignore comments. */
export const WAITING_COMMENT = ': waiting\n\n';

/**
 * A streaming caller that hears `: waiting` every `intervalMs` while its answer has not started,
 * so proxies that cut a silent connection (60 s is common) keep it through a long wait for the
 * first token, whatever it waits on: the queue, a wake, the upstream, or the publisher. Any
 * comment written (a `: waking` notice too) restarts the interval; the first data frame or a
 * JSON answer stops it.
 */
export class KeepaliveCaller implements Caller {
  #cancelTimer: (() => void) | undefined;
  #answerStarted = false;
  #sink: CallerSink | undefined;

  constructor(
    private readonly caller: Caller,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {
    this.#arm();
  }

  get signal(): CancelSignal {
    return this.caller.signal;
  }

  get streaming(): boolean {
    return this.caller.streaming;
  }

  abort(): void {
    this.caller.abort();
  }

  /** True once a data frame or a JSON answer went out: from then on the answer cannot start over. */
  get answerStarted(): boolean {
    return this.#answerStarted;
  }

  sendJson(json: string, headers: Record<string, string>): void {
    this.#started();
    this.caller.sendJson(json, headers);
  }

  openStream(headers: Record<string, string>): CallerSink {
    if (this.#sink) return this.#sink;
    this.#sink = new KeepaliveSink(this.caller.openStream(headers), this);
    return this.#sink;
  }

  /** What the sink wrote: a comment restarts the interval, anything else starts the answer. */
  wrote(text: string | Uint8Array): void {
    if (this.#answerStarted) return;
    // Comments are written as text; bytes are always frames passed on from a source.
    if (typeof text === 'string' && text.startsWith(':')) this.#arm();
    else this.#started();
  }

  /** No more comments (the request is over). */
  stop(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #started(): void {
    this.#answerStarted = true;
    this.stop();
  }

  #arm(): void {
    this.stop();
    this.#cancelTimer = this.clock.after(this.intervalMs, () => {
      this.#cancelTimer = undefined;
      if (this.caller.signal.aborted || this.#answerStarted) return;
      // Headers go out with the first comment: from then on a failure is an error frame.
      this.openStream({}).write(WAITING_COMMENT);
    });
  }
}

/** The stream through a keepalive caller: what it writes tells the caller whether the answer started. */
class KeepaliveSink extends ForwardingSink {
  constructor(
    inner: CallerSink,
    private readonly caller: KeepaliveCaller,
  ) {
    super(inner);
  }

  override write(text: string | Uint8Array): void {
    this.caller.wrote(text);
    this.inner.write(text);
  }

  override end(): void {
    this.caller.stop();
    this.inner.end();
  }
}
