import { chatCompletionChunkSchema, streamedChunkSchema, type StreamedChunk, type Usage } from '@mcpctl/protocol';
import { errorMessageIn, parseStreamFrame, peekOpenAiChunk, toOpenAiRequestBody, upstreamEndpoint } from '@mcpctl/dialects';
import { hasOutput, textHasOutput } from './has-output.js';
import { badGateway } from '../errors.js';
import { DEFAULT_STREAM_SOURCE, type Dialect, type StreamContext, type StreamDecoder, type StreamPart, type UpstreamEvent } from './dialect.js';

/**
 * OpenAI-compatible servers (OpenAI, vLLM, llama.cpp, LM Studio, Ollama's /v1): the body
 * passes through with the upstream model name, and answers pass back byte for byte.
 */
export const openAiDialect: Dialect = {
  buildRequest(target, request, streaming, options) {
    const body = toOpenAiRequestBody(request, target.record.model, streaming, options);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
    return { url: upstreamEndpoint(target.record.url ?? '', '/chat/completions'), headers, body: JSON.stringify(body) };
  },

  readCompletion(body, text, context) {
    if (!isCompletion(body)) throw badGateway(`${context.source ?? DEFAULT_STREAM_SOURCE} answered something that is not a chat completion`);
    return { json: text, usage: body.usage };
  },

  readErrorMessage: errorMessageIn,

  createStreamDecoder(context) {
    return new OpenAiStreamDecoder(context);
  },
};

/**
 * What a publisher's frame the peek passed is, read in full (its value dropped, its text passed
 * on as it came): SPEC §12 ends the task on anything but a whole chunk, after the first output
 * as before it. The schema's check costs about half a microsecond a frame.
 */
function frameKind(text: string): 'chunk' | 'not-json' | 'not-chunk' {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not-json';
  }
  return chatCompletionChunkSchema.safeParse(value).success ? 'chunk' : 'not-chunk';
}

function isCompletion(body: unknown): body is { choices: unknown[]; usage?: Usage } {
  return typeof body === 'object' && body !== null && Array.isArray((body as { choices?: unknown }).choices);
}

/**
 * Reads only what it must: the frames a peek marks (finish reason, usage, error, anything
 * unusual). The rest pass on as the text they came as, with neither a parse nor a
 * serialization. Until the first output, a public upstream's frames are looked at for it as
 * text, to time the first token; a publisher's are read in full (SPEC §12: a relayed frame that
 * is not a chunk ends the task), as every frame the peek marks is.
 */
class OpenAiStreamDecoder implements StreamDecoder {
  #outputSeen = false;

  constructor(private readonly context: StreamContext) {}

  decode(event: UpstreamEvent): StreamPart[] {
    const { collectContent, checkEveryFrame, choices } = this.context;
    if (!collectContent && !(choices != null && choices > 1) && peekOpenAiChunk(event.data) === 'plain') {
      if (this.#outputSeen) {
        const kind = checkEveryFrame ? frameKind(event.data) : 'chunk';
        if (kind === 'not-json') return [this.#notJson()];
        if (kind === 'not-chunk') return [this.#notChunk()];
        return [{ type: 'chunk', data: event.data, forward: true, raw: event.raw }];
      }
      if (!checkEveryFrame) {
        if (!textHasOutput(event.data)) return [{ type: 'chunk', data: event.data, forward: true, raw: event.raw }];
        this.#outputSeen = true;
        return [{ type: 'chunk', data: event.data, forward: true, raw: event.raw, firstOutput: true }];
      }
    }
    return this.#read(event.data.trim(), event);
  }

  end(): StreamPart[] {
    return [];
  }

  /** `event.raw` goes with the part only when `data` is the event's whole data, passed on unchanged. */
  #read(data: string, event: UpstreamEvent): StreamPart[] {
    const raw = data === event.data ? event.raw : undefined;
    if (data === '[DONE]') return [{ type: 'done', raw }];
    const source = this.context.source ?? DEFAULT_STREAM_SOURCE;
    const frame = parseStreamFrame(data);
    if (frame.type === 'not-json') return [this.#notJson()];
    if (frame.type === 'error') return [{ type: 'error', message: `${source} failed mid-stream: ${frame.message}` }];
    // A publisher's frame must be a whole chunk (SPEC §12); a public upstream's envelope is its own.
    const chunk = (this.context.checkEveryFrame ? chatCompletionChunkSchema : streamedChunkSchema).safeParse(frame.value);
    if (!chunk.success) return [this.#notChunk()];
    if (hasOutput(chunk.data)) this.#outputSeen = true;
    // A `data` that spanned lines (or holds a carriage return, SSE's other line end, which only a
    // publisher can send) would break the caller's SSE framing: the one case written anew.
    if (data.includes('\n') || data.includes('\r')) return [{ type: 'chunk', data: JSON.stringify(frame.value), chunk: chunk.data, forward: this.#shouldForward(chunk.data) }];
    return [{ type: 'chunk', data, chunk: chunk.data, forward: this.#shouldForward(chunk.data), raw }];
  }

  #notChunk(): StreamPart {
    return { type: 'error', message: `${this.context.source ?? DEFAULT_STREAM_SOURCE} sent a stream frame that is not a chat.completion.chunk` };
  }

  #notJson(): StreamPart {
    return { type: 'error', message: `${this.context.source ?? DEFAULT_STREAM_SOURCE} sent a stream frame that is not JSON` };
  }

  #shouldForward(chunk: StreamedChunk): boolean {
    const usageOnly = chunk.choices.length === 0 && chunk.usage;
    return !usageOnly || this.context.includeUsage;
  }
}
