import type { HttpError } from '../errors.js';
import type { Caller, CallerSink } from './caller.js';

/**
 * A caller mcpd itself may cut off (a shutdown that reached its deadline, or one that releases
 * queued requests). Its signal aborts when the client leaves or when cut, so every backend stops
 * the way it stops for a client that left; `cutBy` then tells the caller's answer apart.
 */
export class CuttableCaller implements Caller {
  readonly signal: AbortSignal;
  readonly #abort: (reason: Error) => void;
  /** Set when the inner caller cannot be aborted: this caller's own signal then follows the client's. */
  readonly #onGone: (() => void) | undefined;
  #cutBy: HttpError | undefined;

  constructor(private readonly inner: Caller) {
    if (inner.abort) {
      // The client's own signal serves: a second controller per call would cost as much again.
      this.signal = inner.signal;
      this.#abort = (reason) => inner.abort?.(reason);
      return;
    }
    const controller = new AbortController();
    this.signal = controller.signal;
    this.#abort = (reason) => controller.abort(reason);
    if (inner.signal.aborted) {
      controller.abort();
      return;
    }
    this.#onGone = () => controller.abort();
    inner.signal.addEventListener('abort', this.#onGone, { once: true });
  }

  get streaming(): boolean {
    return this.inner.streaming;
  }

  /** Why mcpd cut the call, when it did (and the client had not left first). */
  get cutBy(): HttpError | undefined {
    return this.#cutBy;
  }

  sendJson(json: string, headers: Record<string, string>): void {
    this.inner.sendJson(json, headers);
  }

  openStream(headers: Record<string, string>): CallerSink {
    return this.inner.openStream(headers);
  }

  cut(reason: HttpError): void {
    if (this.signal.aborted) return;
    this.#cutBy = reason;
    this.#abort(reason);
  }

  /** Lets go of the client's signal once the call is over. */
  dispose(): void {
    if (this.#onGone) this.inner.signal.removeEventListener('abort', this.#onGone);
  }
}
