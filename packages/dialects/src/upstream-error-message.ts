const MAX_MESSAGE_LENGTH = 500;

/**
 * The human message inside an upstream's error body, whichever server wrote it, by one rule:
 * `error` as a string (Ollama, llama.cpp), else `error.message` (OpenAI, vLLM, Anthropic), else
 * a top-level `message` (older vLLM), else `detail` (FastAPI-based servers). A body that holds
 * none of these, or is not JSON, is quoted as text. Either way on one line, cut at 500
 * characters; undefined for a blank body.
 */
export function upstreamErrorMessage(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    const found = errorMessageIn(JSON.parse(trimmed));
    if (found !== undefined) return oneLine(found);
  } catch {
    // Not JSON: the text itself is the message.
  }
  return oneLine(trimmed);
}

/**
 * The message in an already parsed error body, by the rule of {@link upstreamErrorMessage}; a
 * body that was text, not JSON, is its own message. Undefined when it holds none.
 */
export function errorMessageIn(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() === '' ? undefined : body;
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message, detail } = body as Record<string, unknown>;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const nested = (error as Record<string, unknown>).message;
    if (typeof nested === 'string') return nested;
  }
  if (typeof message === 'string') return message;
  if (typeof detail === 'string') return detail;
  return undefined;
}

/**
 * The failure a stream frame reports, if it carries a non-null `error` (servers report failures
 * mid-stream this way, after the 200 went out): its message, or the error itself as JSON when it
 * names none. Undefined for a frame that is not an error.
 */
export function streamFrameError(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null || !('error' in frame)) return undefined;
  const error = frame.error;
  if (error === null || error === undefined) return undefined;
  return oneLine(errorMessageIn(frame) ?? JSON.stringify(error));
}

/** An upstream's words fit for a one-line message: whitespace runs made one space, cut at 500 characters. */
export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE_LENGTH ? `${flat.slice(0, MAX_MESSAGE_LENGTH)}…` : flat;
}
