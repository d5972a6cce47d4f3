import type { CallerSink } from './caller.js';

/** A caller's sink that passes everything to the one it wraps; a wrapper overrides what it adds to. */
export class ForwardingSink implements CallerSink {
  constructor(protected readonly inner: CallerSink) {}

  write(text: string | Uint8Array): void {
    this.inner.write(text);
  }

  end(): void {
    this.inner.end();
  }

  get full(): boolean {
    return this.inner.full;
  }

  onDrain(listener: () => void): void {
    this.inner.onDrain(listener);
  }
}
