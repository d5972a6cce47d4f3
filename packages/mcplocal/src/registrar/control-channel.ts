import type { ProviderHeartbeatRequest, ProviderRegisterRequest, ProviderRegisterAnswer, TaskResult } from '@mcpctl/protocol';

/** What became of a result post: taken, or refused because mcpd no longer wants this task. */
export type ResultDelivery = 'delivered' | 'gone';

/** One named frame of the control stream, its data still the text it travelled as. */
export interface ChannelFrame {
  event: string;
  data: string;
}

export interface StreamListener {
  /** The stream is open: mcpd accepted the session and will send tasks on it. */
  onOpen(): void;
  onFrame(frame: ChannelFrame): void;
}

/**
 * The provider channel's four exchanges, apart from how they travel. The registrar and the
 * task handler speak only this, so the protocol logic is the same over HTTP and SSE as over an
 * in-memory pair. Failures reject with an error naming what failed; a `signal` aborts the call.
 */
export interface ControlChannel {
  register(request: ProviderRegisterRequest, signal: AbortSignal): Promise<ProviderRegisterAnswer>;
  heartbeat(request: ProviderHeartbeatRequest, signal: AbortSignal): Promise<void>;
  postResult(taskId: string, result: TaskResult, signal: AbortSignal): Promise<ResultDelivery>;
  /** Resolves when the stream ends; rejects when it cannot be opened or breaks. */
  openStream(providerSessionId: string, listener: StreamListener, signal: AbortSignal): Promise<void>;
}
