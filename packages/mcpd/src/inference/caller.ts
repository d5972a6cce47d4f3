import type { SseSink } from './stream-forwarder.js';

/** The client waiting for an answer, apart from how it is connected. */
export interface Caller {
  /** Aborts when the client goes away before its answer is complete. */
  readonly signal: AbortSignal;
  /** True once the SSE stream is open: from then on failures are error frames, not statuses. */
  readonly streaming: boolean;
  sendJson(json: string, headers: Record<string, string>): void;
  /** Opens the SSE answer; a second call answers the same stream (its headers are already sent). */
  openStream(headers: Record<string, string>): SseSink;
}
