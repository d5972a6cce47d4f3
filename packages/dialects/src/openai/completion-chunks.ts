import { chatCompletionSchema, usageSchema, type ChatCompletionChunk, type ChatToolCallDelta } from '@mcpctl/protocol';
import { z } from 'zod';
import type { ChunkEnvelope } from './stop-chunk.js';

/**
 * A whole `chat.completion` as a model server sends it: what becomes a stream's chunks (each
 * choice's message and finish reason, the usage) must be well formed; the envelope (`id`,
 * `object`, `created`, `model`) is the server's own to leave out, as `streamedChunkSchema` allows
 * for chunks.
 */
export const receivedCompletionSchema = chatCompletionSchema.extend({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: chatCompletionSchema.shape.choices.min(1),
  usage: usageSchema.nullish(),
});
export type ReceivedCompletion = z.infer<typeof receivedCompletionSchema>;

type Choice = ChatCompletionChunk['choices'][number];

export interface CompletionChunksOptions {
  /** Names the chunks where the completion does not (its envelope is the server's to leave out). */
  envelope: ChunkEnvelope;
  /** End with the usage chunk (when the completion has usage), `usage: null` on the others, as OpenAI does for `stream_options.include_usage`. */
  includeUsage: boolean;
  /**
   * End with the usage chunk whatever `includeUsage` says (default: as it says): for a reader
   * that needs the usage (an audit) and passes the chunk on only to a caller who asked for it.
   */
  usageChunk?: boolean;
}

/**
 * A whole answer as the chunks an OpenAI stream of it would carry: per choice, one chunk with the
 * role and the whole message (text, reasoning, tool calls, every other field the server put on
 * it), then one with its finish reason (`stop` when the server gave none: clients reject a stream
 * without one); then the usage chunk. For a server that answered a stream in one piece.
 */
export function completionChunks(completion: ReceivedCompletion, options: CompletionChunksOptions): ChatCompletionChunk[] {
  const envelope: Pick<ChatCompletionChunk, 'id' | 'object' | 'created' | 'model'> & { system_fingerprint?: string } = {
    id: completion.id ?? options.envelope.id,
    object: 'chat.completion.chunk',
    created: completion.created ?? options.envelope.created,
    model: completion.model ?? options.envelope.model,
  };
  const fingerprint = completion['system_fingerprint'];
  if (typeof fingerprint === 'string') envelope.system_fingerprint = fingerprint;
  const usage = options.includeUsage ? { usage: null } : {};
  const chunk = (choice: Choice): ChatCompletionChunk => ({ ...envelope, choices: [choice], ...usage });
  const chunks: ChatCompletionChunk[] = [];
  for (const { index, message, finish_reason: finishReason, logprobs, ...rest } of completion.choices) {
    const { tool_calls: toolCalls, ...said } = message;
    const delta: Choice['delta'] = { ...said };
    if (toolCalls && toolCalls.length > 0) delta.tool_calls = toolCalls.map((call, callIndex): ChatToolCallDelta => ({ index: callIndex, ...call }));
    chunks.push(chunk({ index, delta, ...(logprobs === undefined ? {} : { logprobs }), finish_reason: null }));
    chunks.push(chunk({ index, delta: {}, ...rest, finish_reason: finishReason ?? 'stop' }));
  }
  if ((options.usageChunk ?? options.includeUsage) && completion.usage) chunks.push({ ...envelope, choices: [], usage: completion.usage });
  return chunks;
}
