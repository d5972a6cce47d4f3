import type { ServerResponse } from 'node:http';
import { SERVED_BY_HEADER, THREAD_ID_HEADER } from '@mcpctl/protocol';
import { describeNetworkError } from '@mcpctl/upstream';
import { errorFrame, writeChunk, writeHeadKept } from './sse-writer.js';
import type { StreamOpening } from './stream-opening.js';
import { WholeEvents } from './whole-events.js';

/** mcpd's answer headers worth passing on; length and encoding are the local socket's business. */
const PASSED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'retry-after', 'x-accel-buffering', SERVED_BY_HEADER, THREAD_ID_HEADER];

/**
 * Passes mcpd's answer to the caller: status, the headers that matter, and the body chunk by
 * chunk as it arrives, so a stream reaches the caller token by token, in whole events. A
 * connection to mcpd that breaks mid-stream ends the caller's stream with an error frame after
 * the last whole event; mid-JSON, the caller's connection is cut, as mcpd's was.
 */
export async function pipeResponse(from: Response, to: ServerResponse, signal: AbortSignal, opening?: StreamOpening): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of PASSED_RESPONSE_HEADERS) {
    const value = from.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  writeHeadKept(to, from.status, headers);
  to.flushHeaders();
  if (from.body === null) {
    to.end();
    return;
  }
  const events = headers['content-type']?.startsWith('text/event-stream') ? new WholeEvents() : undefined;
  const reader = opening?.reader ?? (from.body as ReadableStream<Uint8Array>).getReader();
  try {
    const head = opening && events ? events.take(opening.head) : opening?.head;
    if (head && head.length > 0) await writeChunk(to, head, signal);
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const bytes = events ? events.take(next.value) : next.value;
      if (bytes.length > 0) await writeChunk(to, bytes, signal);
      if (to.destroyed) {
        await reader.cancel().catch(() => undefined);
        return;
      }
    }
    to.end(events?.rest());
  } catch (error) {
    if (signal.aborted || to.destroyed) return;
    if (events) {
      to.end(errorFrame(`the connection to mcpd broke mid-answer: ${describeNetworkError(error)}`));
    } else {
      to.destroy();
    }
  }
}
