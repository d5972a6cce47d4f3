import { z } from 'zod';
import { resultSeqSchema, type TaskChunkResult } from './provider-channel.js';
import { MAX_RESULTS_PER_MESSAGE, socketTaskIdSchema } from './provider-socket.js';

/*
 * A stream's chunks on the provider socket without a JSON envelope around each: one binary
 * WebSocket message, UTF-8, whose first line is a small JSON header and whose every following
 * line is one chunk's `data` exactly as the local server wrote it:
 *
 *   {"type":"chunks","taskId":"task_…","seq":7}\n{"id":"…","object":"chat.completion.chunk",…}\n{…}
 *
 * It says what a `results` message of the same chunk results says (chunk i has `seq` + i; with
 * `"done":true` the last line is the stream's `[DONE]`), without escaping every chunk into a
 * JSON string on one side and reading it back on the other. A chunk's `data` is one line (SPEC
 * §4.2's SSE framing needs it so), so a line break separates chunks; a chunk that holds one goes
 * in a `result` message instead. mcpd says in its `hello` that it takes these
 * (`takesBinaryChunks`); an mcplocal that was not told so, and any older one, sends `results`.
 */

/** Longest header line mcpd reads: the task id is at most 256 characters. */
const MAX_HEADER_CHARS = 512;

const socketChunksHeaderSchema = z.object({
  type: z.literal('chunks'),
  taskId: socketTaskIdSchema,
  seq: resultSeqSchema,
  done: z.literal(true).optional(),
});

/**
 * The message carrying `results`, all chunk results of `taskId` in order, or undefined when they
 * do not fit the form: a chunk holding a line break, `[DONE]` before the last, or `seq` numbers
 * that are not consecutive (or not on all of them). The caller then sends `results` instead.
 */
export function encodeSocketChunks(taskId: string, results: readonly TaskChunkResult[]): string | undefined {
  const first = results[0];
  if (!first || results.length > MAX_RESULTS_PER_MESSAGE) return undefined;
  const last = results.length - 1;
  const datas: string[] = [];
  for (const [index, result] of results.entries()) {
    if (result.chunk.done && index !== last) return undefined;
    if (result.seq === undefined ? first.seq !== undefined : first.seq === undefined || result.seq !== first.seq + index) return undefined;
    if (result.chunk.data.includes('\n')) return undefined;
    datas.push(result.chunk.data);
  }
  const header: z.input<typeof socketChunksHeaderSchema> = { type: 'chunks', taskId };
  if (first.seq !== undefined) header.seq = first.seq;
  if (results[last]?.chunk.done) header.done = true;
  return `${JSON.stringify(header)}\n${datas.join('\n')}`;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The task id and chunk results of a binary message, or undefined when it is not one: not UTF-8,
 * no header line, a header that is not the shape above, more than MAX_RESULTS_PER_MESSAGE
 * chunks, or `seq` numbers past the largest a result may carry. Each chunk's `data` is for the result checks to judge, as a `results` message's are.
 */
export function decodeSocketChunks(bytes: Uint8Array): { taskId: string; results: TaskChunkResult[] } | undefined {
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch {
    return undefined;
  }
  const headerEnd = text.indexOf('\n');
  if (headerEnd < 0 || headerEnd > MAX_HEADER_CHARS) return undefined;
  let header: z.output<typeof socketChunksHeaderSchema>;
  try {
    const parsed = socketChunksHeaderSchema.safeParse(JSON.parse(text.slice(0, headerEnd)));
    if (!parsed.success) return undefined;
    header = parsed.data;
  } catch {
    return undefined;
  }
  // One past the limit is enough to refuse: a message of line breaks is not split whole.
  const datas = text.slice(headerEnd + 1).split('\n', MAX_RESULTS_PER_MESSAGE + 1);
  if (datas.length > MAX_RESULTS_PER_MESSAGE) return undefined;
  const { seq, done } = header;
  // Every chunk's number must be one a result may carry.
  if (seq !== undefined && seq > Number.MAX_SAFE_INTEGER - (datas.length - 1)) return undefined;
  const last = datas.length - 1;
  const results = datas.map((data, index): TaskChunkResult => {
    const result: TaskChunkResult = { chunk: done && index === last ? { data, done } : { data } };
    if (seq !== undefined) result.seq = seq + index;
    return result;
  });
  return { taskId: header.taskId, results };
}
