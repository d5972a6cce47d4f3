import { readSseBatches, SseOverflowError } from '@mcpctl/dialects';
import { chatCompletionChunkSchema, openAiErrorSchema, type ChatCompletionChunk } from '@mcpctl/protocol';
import { describeNetworkError, networkErrorCode } from '@mcpctl/upstream';
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
 * body ends (an unfinished event is dropped, as SSE requires: the caller sees no `done`).
 * Leaving the loop early cancels the body, which closes the connection and lets mcpd cancel
 * the upstream request.
 */
export async function* readStreamParts(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamPart> {
  try {
    for await (const frames of readSseBatches(body, { maxBufferSize: MAX_FRAME_CHARS })) {
      for (const frame of frames) {
        const part: StreamPart = frame.type === 'comment' ? { type: 'comment', text: frame.text } : frameToPart(frame.data);
        yield part;
        if (part.type === 'done' || part.type === 'error') return;
      }
    }
  } catch (error) {
    if (error instanceof SseOverflowError) {
      yield { type: 'error', message: 'mcpd sent an oversized stream frame', errorType: undefined };
      return;
    }
    // fetch's word for a body cut short is "terminated"; the cause says how.
    if (networkErrorCode(error) === undefined) throw error;
    yield { type: 'error', message: `the connection to mcpd broke mid-answer: ${describeNetworkError(error)}`, errorType: undefined };
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
