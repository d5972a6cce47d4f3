import { streamFrameError } from './upstream-error-message.js';

/** One frame of a streamed answer (an SSE `data` or an NDJSON line), read as JSON. */
export type StreamFrame =
  | { type: 'json'; value: unknown }
  /** Not JSON; `preview` is its start, for the error message. */
  | { type: 'not-json'; preview: string; cause: unknown }
  /** A frame that carries an error: how servers report a failure after the 200 went out. */
  | { type: 'error'; message: string };

/** Reads one stream frame; every dialect's stream is made of JSON frames, any of which may carry an error. */
export function parseStreamFrame(text: string): StreamFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { type: 'not-json', preview: text.length > 120 ? `${text.slice(0, 120)}…` : text, cause };
  }
  const message = streamFrameError(value);
  return message === undefined ? { type: 'json', value } : { type: 'error', message };
}
