import type { SseSink } from './stream-forwarder.js';

/** The client waiting for an answer, apart from how it is connected. */
export interface Caller {
  /** Aborts when the client goes away before its answer is complete. */
  readonly signal: AbortSignal;
  sendJson(json: string, headers: Record<string, string>): void;
  openStream(headers: Record<string, string>): SseSink;
}
