import type { ServerResponse } from 'node:http';
import { SERVED_BY_HEADER } from '@mcpctl/protocol';
import type { LlmProvider } from '../providers/llm-provider.js';
import { streamOf } from '../providers/stream-of.js';
import { ChunkMapper } from '../registrar/chunk-mapping.js';
import type { CompletionIdentity } from '../registrar/completion-identity.js';
import { toChatCompletion } from '../registrar/completion-mapping.js';
import { toCompletionOptions } from '../registrar/request-mapping.js';
import { sendJson } from './send-answer.js';
import { SseWriter } from './sse-writer.js';

/** One chat request to be answered by a local provider. */
export interface LocalChat {
  /** The OpenAI body as the caller sent it. */
  request: Record<string, unknown>;
  streaming: boolean;
  /** `stream_options.include_usage`: OpenAI sends the usage chunk only when asked, and some clients choke on a chunk without choices. */
  includeUsage: boolean;
  /** `model` is the name the caller asked for: the provider's own, or the central LLM it stands in for. */
  identity: CompletionIdentity;
  signal: AbortSignal;
}

/**
 * Answers a chat request with a local provider, shaped as the registrar shapes relayed answers:
 * a `chat.completion`, or a stream of `chat.completion.chunk` frames written as the provider
 * yields them, ending with a finish reason and `[DONE]`. A failure before the first frame
 * rejects, so the caller gets an error status; after it, the stream ends with an error frame.
 */
export async function serveLocally(provider: LlmProvider, chat: LocalChat, response: ServerResponse): Promise<void> {
  const options = toCompletionOptions(chat.request, chat.signal);
  const headers = { [SERVED_BY_HEADER]: provider.name };
  if (!chat.streaming) {
    const result = await provider.complete(options);
    sendJson(response, 200, toChatCompletion(result, chat.identity), headers);
    return;
  }
  const mapper = new ChunkMapper(chat.identity);
  const sse = new SseWriter(response, headers, chat.signal);
  try {
    for await (const delta of streamOf(provider, options)) {
      if (delta.type === 'usage' && !chat.includeUsage) continue;
      await sse.data(JSON.stringify(mapper.map(delta)));
      if (response.destroyed) return;
    }
  } catch (error) {
    if (!sse.opened) throw error;
    if (!chat.signal.aborted) sse.fail(error instanceof Error ? error.message : String(error));
    return;
  }
  if (!mapper.finished) await sse.data(JSON.stringify(mapper.finish()));
  sse.done();
}
