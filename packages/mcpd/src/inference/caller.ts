import type { CancelSignal } from '@mcpctl/upstream';
import type { SseSink } from './stream-forwarder.js';

/** The caller's signal as the layers above the upstream call take it (they do not import `@mcpctl/upstream`). */
export type { CancelSignal };

/**
 * The caller's SSE answer as it is written. Beside the writes, it tells when the caller's socket
 * is full, so a source that can hold its own data (a relayed task) waits instead of piling more
 * onto a client that is not reading.
 */
export interface CallerSink extends SseSink {
  /** True while the caller's socket holds writes it could not send yet. */
  readonly full: boolean;
  /** Calls `listener` once when the socket has room again: at once when it is not full (or gone). */
  onDrain(listener: () => void): void;
}

/** The client waiting for an answer, apart from how it is connected. */
export interface Caller {
  /**
   * Aborts when the client goes away before its answer is complete, or when mcpd cuts the call
   * (`abort`; `CuttableCaller.cutBy` tells the two apart).
   */
  readonly signal: CancelSignal;
  /** Aborts `signal`: mcpd ends the call before the client left (a shutdown; `CuttableCaller.cutBy` says why). */
  abort(): void;
  /** True once the SSE stream is open: from then on failures are error frames, not statuses. */
  readonly streaming: boolean;
  sendJson(json: string, headers: Record<string, string>): void;
  /** Opens the SSE answer; a second call answers the same stream (its headers are already sent). */
  openStream(headers: Record<string, string>): CallerSink;
}
