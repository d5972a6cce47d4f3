import type { Clock } from '@mcpctl/clock';
import type { Caller, CallerSink } from './caller.js';
import { ForwardingCaller } from './forwarding-caller.js';
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
export class KeepaliveCaller extends ForwardingCaller {
  #cancelTimer: (() => void) | undefined;
  #answerStarted = false;
  #sink: CallerSink | undefined;

  constructor(
    inner: Caller,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {
    super(inner);
    this.#arm();
  }

  /** True once a data frame or a JSON answer went out: from then on the answer cannot start over. */
  get answerStarted(): boolean {
    return this.#answerStarted;
  }

  override sendJson(json: string, headers: Record<string, string>): void {
    this.#started();
    this.inner.sendJson(json, headers);
  }

  override openStream(headers: Record<string, string>): CallerSink {
    if (this.#sink) {
      // The head went out with a comment, before the answer had a server: what it would have
      // said (`x-mcpctl-served-by`, a thread's id) comes as comments before the first frame.
      const said = Object.entries(headers);
      if (said.length > 0 && !this.#answerStarted) this.#sink.write(`${said.map(([name, value]) => `: ${name}: ${value.replace(/[\r\n]/g, ' ')}\n`).join('')}\n`);
      return this.#sink;
    }
    this.#sink = new KeepaliveSink(this.inner.openStream(headers), (text) => this.#wrote(text), () => this.stop());
    return this.#sink;
  }

  /** What the sink wrote: a comment restarts the interval, anything else starts the answer. */
  #wrote(text: string | Uint8Array): void {
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
      if (this.inner.signal.aborted || this.#answerStarted) return;
      // Headers go out with the first comment: from then on a failure is an error frame.
      this.openStream({}).write(WAITING_COMMENT);
    });
  }
}

/** The stream through a keepalive caller: what it writes tells the caller whether the answer started. */
class KeepaliveSink extends ForwardingSink {
  constructor(
    inner: CallerSink,
    private readonly wrote: (text: string | Uint8Array) => void,
    private readonly ended: () => void,
  ) {
    super(inner);
  }

  override write(text: string | Uint8Array): void {
    this.wrote(text);
    this.inner.write(text);
  }

  override end(): void {
    this.ended();
    this.inner.end();
  }
}
