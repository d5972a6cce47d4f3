const MAX_MESSAGE_LENGTH = 500;

/**
 * The message inside an error body, whichever server wrote it: OpenAI, vLLM and Anthropic send
 * `{"error":{"message"}}`, Ollama `{"error":"…"}`, FastAPI-based servers `{"detail":"…"}`.
 * A body that is none of these is quoted as text, on one line and cut short.
 */
export function serverMessage(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    const found = messageIn(JSON.parse(trimmed));
    if (found !== undefined) return oneLine(found);
  } catch {
    // Not JSON: the text itself is the message.
  }
  return oneLine(trimmed);
}

function messageIn(body: unknown): string | undefined {
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

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE_LENGTH ? `${flat.slice(0, MAX_MESSAGE_LENGTH)}…` : flat;
}
