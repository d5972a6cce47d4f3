import type { CancelSignal, Caller, CallerSink } from './caller.js';

/** A caller that passes everything to the one it wraps; a wrapper overrides what it adds to. */
export class ForwardingCaller implements Caller {
  constructor(protected readonly inner: Caller) {}

  get signal(): CancelSignal {
    return this.inner.signal;
  }

  get streaming(): boolean {
    return this.inner.streaming;
  }

  abort(): void {
    this.inner.abort();
  }

  sendJson(json: string, headers: Record<string, string>): void {
    this.inner.sendJson(json, headers);
  }

  openStream(headers: Record<string, string>): CallerSink {
    return this.inner.openStream(headers);
  }
}
