import type { ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER, SERVED_BY_HEADER, THREAD_ID_HEADER } from '@mcpctl/protocol';
import { describeNetworkError } from '@mcpctl/upstream';
import { errorFrame, writeChunk, writeHeadKept } from './sse-writer.js';
import { failureBeforeAnswer, splitAtFirstEvent } from './first-event.js';
import { WholeEvents } from './whole-events.js';

/** mcpd's answer headers worth passing on; length and encoding are the local socket's business. */
const PASSED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'retry-after', 'x-accel-buffering', SERVED_BY_HEADER, THREAD_ID_HEADER, REQUEST_ID_HEADER];

export interface PipeHooks {
  /**
   * mcpd's stream failed before its answer began (comments alone went out, now the caller's):
   * answers true once something else answered into the open stream and ended it, false to pass
   * the failure's frame on.
   */
  beforeAnswer?: (failure: { status: number; message: string }) => Promise<boolean>;
}

/**
 * Passes mcpd's answer to the caller: status, the headers that matter, and the body chunk by
 * chunk as it arrives, so a stream reaches the caller token by token, in whole events. A
 * connection to mcpd that breaks mid-stream ends the caller's stream with an error frame after
 * the last whole event; mid-JSON, the caller's connection is cut, as mcpd's was.
 */
export async function pipeResponse(from: Response, to: ServerResponse, signal: AbortSignal, hooks: PipeHooks = {}): Promise<void> {
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
  const reader = (from.body as ReadableStream<Uint8Array>).getReader();
  // Until the first event with data, a failure of mcpd's before the answer began may be covered.
  let beforeAnswer = events ? hooks.beforeAnswer : undefined;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      let bytes = events ? events.take(next.value) : next.value;
      if (beforeAnswer && bytes.length > 0) {
        const split = splitAtFirstEvent(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
        const failure = split.data === undefined ? undefined : failureBeforeAnswer(split.data);
        if (split.event !== undefined) {
          const cover = beforeAnswer;
          beforeAnswer = undefined;
          if (failure) {
            if (split.before !== '') await writeChunk(to, split.before, signal);
            if (await cover(failure)) {
              await reader.cancel().catch(() => undefined);
              return;
            }
            bytes = Buffer.from(`${split.event}${split.after}`, 'utf8');
          }
        }
      }
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
