import type { HttpError } from '../errors.js';
import { ForwardingCaller } from './forwarding-caller.js';

/**
 * A caller mcpd itself may cut off (a shutdown that reached its deadline, or one that releases
 * queued requests). The cut aborts the client's own signal, so every backend stops the way it
 * stops for a client that left; `cutBy` then tells the caller's answer apart.
 */
export class CuttableCaller extends ForwardingCaller {
  #cutBy: HttpError | undefined;

  /** Why mcpd cut the call, when it did (and the client had not left first). */
  get cutBy(): HttpError | undefined {
    return this.#cutBy;
  }

  cut(reason: HttpError): void {
    if (this.signal.aborted) return;
    this.#cutBy = reason;
    this.inner.abort();
  }
}
