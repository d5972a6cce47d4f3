import { chatCompletionChunkSchema, type ChatCompletionChunk, type Usage } from '@mcpctl/protocol';
import { badGateway } from '../errors.js';
import type { Dialect, StreamContext, StreamDecoder, StreamPart, UpstreamEvent } from './dialect.js';
import { upstreamEndpoint } from './upstream-url.js';

/**
 * OpenAI-compatible servers (OpenAI, vLLM, llama.cpp, LM Studio, Ollama's /v1): the body
 * passes through with the upstream model name, and answers pass back byte for byte.
 */
export const openAiDialect: Dialect = {
  buildRequest(target, request, streaming) {
    const body: Record<string, unknown> = { ...request, model: target.record.model, stream: streaming };
    if (streaming) {
      // Ask for usage even when the caller did not: the audit needs token counts.
      body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
    } else {
      delete body.stream_options;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
    return { url: upstreamEndpoint(target.record.url ?? '', '/chat/completions'), headers, body: JSON.stringify(body) };
  },

  readCompletion(body, text) {
    if (!isCompletion(body)) throw badGateway('the upstream answered something that is not a chat completion');
    return { json: text, usage: body.usage };
  },

  readErrorMessage,

  createStreamDecoder(context) {
    return new OpenAiStreamDecoder(context);
  },
};

function isCompletion(body: unknown): body is { choices: unknown[]; usage?: Usage } {
  return typeof body === 'object' && body !== null && Array.isArray((body as { choices?: unknown }).choices);
}

/** OpenAI `{"error":{"message"}}`, the `{"error":"…"}` many servers answer, or `{"detail"}` (FastAPI). */
export function readErrorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return typeof body === 'string' && body ? body : undefined;
  const { error, detail, message } = body as { error?: unknown; detail?: unknown; message?: unknown };
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  if (typeof detail === 'string') return detail;
  if (typeof message === 'string') return message;
  return undefined;
}

class OpenAiStreamDecoder implements StreamDecoder {
  constructor(private readonly context: StreamContext) {}

  decode(event: UpstreamEvent): StreamPart[] {
    const data = event.data.trim();
    if (data === '[DONE]') return [{ type: 'done' }];
    const source = this.context.source ?? 'the upstream';
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return [{ type: 'error', message: `${source} sent a stream frame that is not JSON` }];
    }
    const isObject = typeof parsed === 'object' && parsed !== null;
    const errorMessage = isObject && (parsed as { error?: unknown }).error !== undefined ? readErrorMessage(parsed) : undefined;
    if (errorMessage !== undefined) return [{ type: 'error', message: `${source} failed mid-stream: ${errorMessage}` }];
    const chunk = chatCompletionChunkSchema.safeParse(parsed);
    if (!chunk.success) return [{ type: 'error', message: `${source} sent a stream frame that is not a chat.completion.chunk` }];
    return [{ type: 'chunk', data, chunk: chunk.data, forward: this.#shouldForward(chunk.data) }];
  }

  end(): StreamPart[] {
    return [];
  }

  #shouldForward(chunk: ChatCompletionChunk): boolean {
    const usageOnly = chunk.choices.length === 0 && chunk.usage;
    return !usageOnly || this.context.includeUsage;
  }
}
