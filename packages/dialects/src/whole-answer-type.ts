import { oneLine } from './upstream-error-message.js';

/*
 * Some OpenAI-compatible servers ignore `stream`: asked for a stream, they answer with the whole
 * completion as JSON. mcpd's public path and mcplocal's providers read such an answer alike.
 */

/** The longest content type a message repeats: a header is the upstream's to make as long as it likes. */
const MAX_CONTENT_TYPE_LENGTH = 100;

/**
 * Types read as a stream, as every answer to a streaming request was: an event stream, and the
 * generic labels a hand-made SSE server may put on one.
 */
const STREAM_TYPES = new Set(['text/event-stream', 'text/plain', 'application/octet-stream']);

/**
 * The media type of a 2xx answer to a streaming request that did not come as a stream (lower
 * case, without parameters): undefined for the stream types above, and for an answer that names
 * no content type, which are read as a stream, as they always were.
 */
export function wholeAnswerType(contentType: string | string[] | undefined): string | undefined {
  const header = Array.isArray(contentType) ? contentType[0] : contentType;
  // Nearly every answer: decided without taking the header apart, on the public stream's hot path.
  if (header === undefined || header.startsWith('text/event-stream')) return undefined;
  const mediaType = header?.split(';')[0]?.trim().toLowerCase();
  if (!mediaType || STREAM_TYPES.has(mediaType)) return undefined;
  return mediaType.replace(/[^\x21-\x7e]/g, '').slice(0, MAX_CONTENT_TYPE_LENGTH);
}

/** `application/json`, `text/json` and the `+json` types (`application/vnd.api+json`). */
export function isJsonType(mediaType: string): boolean {
  return /^(?:application|text)\/(?:[\w.-]+\+)?json$/.test(mediaType);
}

/**
 * Why a whole answer to a streaming request cannot be streamed: `source` names the server as the
 * reader's messages do (`the upstream of qwen`, `provider "qwen"`), `said` is the error message a
 * JSON body carried (a server that reports a failure with a 200).
 */
export function notACompletionMessage(source: string, mediaType: string, said?: string): string {
  return `${source} answered a streaming request with ${mediaType} that is not a chat completion${said ? `: ${oneLine(said)}` : ''}`;
}
