/**
 * What a look at a `chat.completion.chunk`'s text tells without parsing it:
 * - `plain`: one JSON object on one line that names `chat.completion.chunk` and carries no
 *   non-null `finish_reason`, `usage` or `error`. Nothing in it needs reading on its way: a
 *   relay hands its text on as it is.
 * - `read`: anything else (the finish chunk, the usage chunk, an error frame, a frame that is
 *   not a chunk or spans lines). Rare: one or two per answer; the caller parses it in full.
 *
 * The look never calls a frame plain when it holds one of those fields with a value, so a
 * relay that reads only the `read` frames still sees every finish reason, usage and error.
 * It does not prove the text is valid JSON: a frame shaped like a chunk that is not JSON
 * reaches the caller as the server wrote it, whose JSON parser then refuses it.
 */
export type OpenAiChunkPeek = 'plain' | 'read';

const CHUNK_MARK = '"chat.completion.chunk"';
/**
 * `finish_reason`, `usage` or `error` followed by `:` and a value other than `null`. Text inside
 * a JSON string cannot match: its quotes are escaped. A key nested deeper matches too, which
 * only costs a parse. One expression, because it scans the text once where three `indexOf`
 * calls scan it three times.
 */
const VALUE_TO_READ = /"(?:finish_reason|usage|error)"\s*:\s*(?!\s|null)/;

export function peekOpenAiChunk(text: string): OpenAiChunkPeek {
  const last = text.length - 1;
  if (last < 1 || text.charCodeAt(0) !== 0x7b /* { */ || text.charCodeAt(last) !== 0x7d /* } */) return 'read';
  // An SSE `data` that spanned lines would break the caller's framing if written as it is, and so
  // would a carriage return, which SSE reads as a line's end (only a publisher can send one).
  if (text.includes('\n') || text.includes('\r') || !text.includes(CHUNK_MARK)) return 'read';
  return VALUE_TO_READ.test(text) ? 'read' : 'plain';
}
