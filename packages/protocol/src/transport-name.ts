import type { ProviderTransport } from './llm.js';

/** How a publisher's control connection travels, for people; null when none is open or mcpd did not say. */
export function transportName(transport: ProviderTransport | null | undefined): string | null {
  if (transport === 'websocket') return 'WebSocket';
  if (transport === 'sse') return 'SSE + POST';
  return null;
}
