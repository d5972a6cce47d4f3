import type { ProviderTask, ProviderTransport } from '@mcpctl/protocol';

/**
 * Why mcpd ends a control connection. SSE has no way to say; the provider socket names it in its
 * close code: `replaced` 4000, `sessionGone` 4004 (register again), `shuttingDown` 1001.
 */
export type ChannelCloseReason = 'replaced' | 'sessionGone' | 'shuttingDown';

/**
 * One publisher's open control connection, apart from how frames travel (SSE + POST or the
 * provider socket to mcplocal, `transports/`; a bus between replicas or an in-memory pair in a
 * test would do as well).
 */
export interface ControlChannel {
  /** How the connection travels, as the LLM view reports it. */
  readonly transport: ProviderTransport;
  /** Whether the tasks' results come up this connection (the socket) rather than by result posts to any replica (SSE). */
  readonly carriesResults: boolean;
  sendTask(task: ProviderTask): void;
  /**
   * This replica drains: the publisher should open its next connection elsewhere now, while this
   * one still carries what its tasks need until `close`. The provider socket says so; SSE cannot,
   * and its stream ending later is what moves the publisher.
   */
  moveAway(): void;
  /** `detail`: a few words on why, which the provider socket sends as its close reason (SSE cannot). */
  close(reason: ChannelCloseReason, detail?: string): void;
}
