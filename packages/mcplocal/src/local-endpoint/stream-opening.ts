import { openAiErrorSchema } from '@mcpctl/protocol';

/** How far a stream is read for its first event: mcpd's opening comments are a few bytes each. */
const MAX_OPENING_BYTES = 64 * 1024;

/** An answer's stream read up to its first event that is not a comment. */
export interface StreamOpening {
  /** What was read, to pass on before the rest. */
  head: Uint8Array;
  /** The rest of the stream. */
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /**
   * The first event is an error frame with the status the failure would have had (mcpd adds it
   * to a stream whose answer never began): the answer is that failure, not a stream.
   */
  failure?: { status: number; message: string } | undefined;
}

/**
 * Reads mcpd's stream as far as its first event that is not a comment. mcpd opens a stream with
 * `: waiting` (or `: waking`) comments while the answer has not begun, and a failure by then ends
 * it with an error frame carrying a status: for the caller that is a failure like any status
 * mcpd answers (a stand-in may take it), since nothing of an answer was sent. A stream whose first
 * event is data, or that is longer than MAX_OPENING_BYTES without one, is a stream.
 */
export async function readOpening(body: ReadableStream<Uint8Array>): Promise<StreamOpening> {
  const reader = body.getReader();
  const pieces: Uint8Array[] = [];
  const decoder = new TextDecoder();
  let text = '';
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    pieces.push(next.value);
    text += decoder.decode(next.value, { stream: true });
    const data = firstEventData(text);
    if (data !== undefined) return { head: Buffer.concat(pieces), reader, failure: failureOf(data) };
    if (text.length > MAX_OPENING_BYTES) break;
  }
  return { head: Buffer.concat(pieces), reader };
}

/** The `data` of the first whole event that has any; undefined while none has ended yet. */
function firstEventData(text: string): string | undefined {
  for (const event of text.split(/\r?\n\r?\n/).slice(0, -1)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length > 0) return data.join('\n');
  }
  return undefined;
}

function failureOf(data: string): StreamOpening['failure'] {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = openAiErrorSchema.safeParse(value);
  const status = parsed.success ? parsed.data.error.status : undefined;
  return parsed.success && status !== undefined && status >= 400 && status <= 599 ? { status, message: parsed.data.error.message } : undefined;
}
