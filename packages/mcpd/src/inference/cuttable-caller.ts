import type { HttpError } from '../errors.js';
import type { Caller, CallerSink } from './caller.js';

/**
 * A caller mcpd itself may cut off (a shutdown that reached its deadline, or one that releases
 * queued requests). Its signal aborts when the client leaves or when cut, so every backend stops
 * the way it stops for a client that left; `cutBy` then tells the caller's answer apart.
 */
export class CuttableCaller implements Caller {
  readonly #controller = new AbortController();
  readonly #onGone = () => this.#controller.abort();
  #cutBy: HttpError | undefined;

  constructor(private readonly inner: Caller) {
    if (inner.signal.aborted) this.#controller.abort();
    else inner.signal.addEventListener('abort', this.#onGone, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
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
    if (this.#controller.signal.aborted) return;
    this.#cutBy = reason;
    this.#controller.abort(reason);
  }

  /** Lets go of the client's signal once the call is over. */
  dispose(): void {
    this.inner.signal.removeEventListener('abort', this.#onGone);
  }
}
