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
  sendTask(task: ProviderTask): void;
  close(reason: ChannelCloseReason): void;
}
