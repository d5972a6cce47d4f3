import { createParser } from 'eventsource-parser';
import { chatCompletionChunkSchema, openAiErrorSchema, type ChatCompletionChunk } from '@mcpctl/protocol';
import { checkSchema } from './schema-check.js';

/** What an inference stream from mcpd is made of, in arrival order. */
export type StreamPart =
  /** An SSE comment such as `waking NAME 3s` or `ping`, without the leading colon. */
  | { type: 'comment'; text: string }
  | { type: 'chunk'; chunk: ChatCompletionChunk }
  /** A failure; the stream ends after it. */
  | { type: 'error'; message: string; errorType: string | undefined }
  /** `data: [DONE]`; the stream ends after it. */
  | { type: 'done' };

/** An SSE frame past this size is not a chat chunk; stop instead of buffering without end. */
const MAX_FRAME_CHARS = 4 * 1024 * 1024;

/**
 * Parses a `text/event-stream` body into parts. It ends after `done` or `error`, or when the
 * body ends. Leaving the loop early cancels the body, which closes the connection and lets
 * mcpd cancel the upstream request.
 */
export async function* readStreamParts(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamPart> {
  const pending: StreamPart[] = [];
  const parser = createParser({
    maxBufferSize: MAX_FRAME_CHARS,
    onEvent: (event) => pending.push(frameToPart(event.data)),
    onComment: (comment) => pending.push({ type: 'comment', text: comment.trim() }),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') {
        pending.push({ type: 'error', message: 'mcpd sent an oversized stream frame', errorType: undefined });
      }
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // At the end an unfinished event is dropped, as SSE requires: the caller sees no `done`.
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      while (pending.length > 0) {
        const part = pending.shift() as StreamPart;
        yield part;
        if (part.type === 'done' || part.type === 'error') return;
      }
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** One `data:` payload: `[DONE]`, an error object, or a chunk. */
export function frameToPart(data: string): StreamPart {
  if (data.trim() === '[DONE]') return { type: 'done' };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { type: 'error', message: `mcpd sent a stream frame that is not JSON: ${truncate(data)}`, errorType: undefined };
  }
  if (typeof json === 'object' && json !== null && 'error' in json) {
    const failure = checkSchema(openAiErrorSchema, json);
    if (failure.ok) return { type: 'error', message: failure.value.error.message, errorType: failure.value.error.type };
    const raw = json.error;
    return { type: 'error', message: typeof raw === 'string' ? raw : truncate(JSON.stringify(raw)), errorType: undefined };
  }
  const chunk = checkSchema(chatCompletionChunkSchema, json);
  if (!chunk.ok) return { type: 'error', message: `mcpd sent a malformed chunk: ${chunk.problems}`, errorType: undefined };
  return { type: 'chunk', chunk: chunk.value };
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
