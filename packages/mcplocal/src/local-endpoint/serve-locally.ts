import type { ServerResponse } from 'node:http';
import { chunkEnvelopeOf, stopChunk } from '@mcpctl/dialects';
import { SERVED_BY_HEADER } from '@mcpctl/protocol';
import type { LlmProvider } from '../providers/llm-provider.js';
import { streamOf } from '../providers/stream-of.js';
import { ChunkMapper } from '../registrar/chunk-mapping.js';
import type { CompletionIdentity } from '../registrar/completion-identity.js';
import { toChatCompletion } from '../registrar/completion-mapping.js';
import { toCompletionOptions } from '../registrar/request-mapping.js';
import type { LocalEndpointLog } from './local-endpoint-options.js';
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
  /** The caller named this provider, rather than a central LLM it stands in for. */
  asItself: boolean;
  signal: AbortSignal;
  /** Where a stream that broke off is told. */
  log?: LocalEndpointLog | undefined;
}

/**
 * Answers a chat request with a local provider. A server that speaks the OpenAI dialect, asked
 * for by its own name, has its answer passed on as it wrote it, as the relay and mcpd's public
 * path pass answers on: every choice of `n`, a refusal, reasoning, its `id` and `model`. Any
 * other, and a stand-in (whose answer keeps the central LLM's name), is shaped as the registrar
 * shapes relayed answers: a `chat.completion`, or a stream of `chat.completion.chunk` frames
 * written as the provider yields them, ending with a finish reason and `[DONE]`. A failure
 * before the first frame rejects, so the caller gets an error status; after it, the stream ends
 * with an error frame.
 */
export async function serveLocally(provider: LlmProvider, chat: LocalChat, response: ServerResponse): Promise<void> {
  const options = toCompletionOptions(chat.request, chat.signal);
  const headers = { [SERVED_BY_HEADER]: provider.name };
  if (chat.asItself && !chat.streaming && provider.completionBody) {
    sendJson(response, 200, await provider.completionBody(options), headers);
    return;
  }
  if (chat.asItself && chat.streaming && provider.relayChunks) {
    const sse = new SseWriter(response, headers, chat.signal);
    let last: string | undefined;
    const sink = (text: string) => {
      last = text;
      return chat.includeUsage || !isUsageOnly(text) ? sse.data(text) : undefined;
    };
    try {
      const { finished } = await provider.relayChunks(options, sink);
      // `[DONE]` without a finish reason: the stream ends as mcpd ends such a one, with `stop`.
      if (!finished) await sse.data(JSON.stringify(stopChunk(chunkEnvelopeOf(last) ?? chat.identity)));
    } catch (error) {
      if (!sse.opened) throw error;
      if (!chat.signal.aborted) brokeOff(sse, error, provider, chat);
      return;
    }
    sse.done();
    return;
  }
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
    if (!chat.signal.aborted) brokeOff(sse, error, provider, chat);
    return;
  }
  if (!mapper.finished) await sse.data(JSON.stringify(mapper.finish()));
  sse.done();
}

/**
 * The chunk that carries only the usage (no choices), which the server sends because mcplocal
 * always asks for it: OpenAI sends it only to a caller who asked, and some clients choke on it.
 */
function isUsageOnly(text: string): boolean {
  if (!text.includes('"usage"') || !/"choices"\s*:\s*\[\s*\]/.test(text)) return false;
  try {
    const chunk = JSON.parse(text) as { choices?: unknown };
    return Array.isArray(chunk.choices) && chunk.choices.length === 0;
  } catch {
    return false;
  }
}

/** A stream that broke after it started: the caller gets an error frame, the log the reason. */
function brokeOff(sse: SseWriter, error: unknown, provider: LlmProvider, chat: LocalChat): void {
  const message = error instanceof Error ? error.message : String(error);
  chat.log?.warn(`local endpoint stream from ${provider.name} broke off: ${message}`);
  sse.fail(message);
}
