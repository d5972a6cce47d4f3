import type { CancelSignal } from '@mcpctl/upstream';
import type { HttpError } from '../errors.js';
import type { Caller, CallerSink } from './caller.js';

/**
 * A caller mcpd itself may cut off (a shutdown that reached its deadline, or one that releases
 * queued requests). The cut aborts the client's own signal, so every backend stops the way it
 * stops for a client that left; `cutBy` then tells the caller's answer apart.
 */
export class CuttableCaller implements Caller {
  #cutBy: HttpError | undefined;

  constructor(private readonly inner: Caller) {}

  get signal(): CancelSignal {
    return this.inner.signal;
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

  abort(): void {
    this.inner.abort();
  }

  cut(reason: HttpError): void {
    if (this.signal.aborted) return;
    this.#cutBy = reason;
    this.inner.abort();
  }
}
