import type { ProviderTask } from '@mcpctl/protocol';

/**
 * One publisher's open control stream, apart from how frames travel (SSE to mcplocal
 * here; a bus between replicas or an in-memory pair in a test would do as well).
 */
export interface ControlChannel {
  sendTask(task: ProviderTask): void;
  close(): void;
}
