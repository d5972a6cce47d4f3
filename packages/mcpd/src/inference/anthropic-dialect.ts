import type { ChatCompletionChunk, ChatCompletionRequest } from '@mcpctl/protocol';
import {
  AnthropicStreamTranslator,
  TranslationError,
  UpstreamStreamError,
  anthropicHeaders,
  anthropicResponseBodySchema,
  errorMessageIn,
  fromAnthropicResponse,
  parseStreamFrame,
  readAnthropicStreamEvent,
  toAnthropicRequest,
  upstreamEndpoint,
} from '@mcpctl/dialects';
import { badGateway, badRequest } from '../errors.js';
import { DEFAULT_STREAM_SOURCE, type Dialect, type StreamContext, type StreamDecoder, type StreamPart, type UpstreamEvent } from './dialect.js';

/** Anthropic's Messages API: the shared translation to and from the OpenAI shape, over mcpd's HTTP. */
export const anthropicDialect: Dialect = {
  buildRequest(target, request, streaming) {
    const body = { ...translateRequest(request, target.record.model), stream: streaming };
    const headers = { 'content-type': 'application/json', ...anthropicHeaders(target.apiKey) };
    return { url: upstreamEndpoint(target.record.url ?? '', '/messages'), headers, body: JSON.stringify(body) };
  },

  readCompletion(body, _text, context) {
    const parsed = anthropicResponseBodySchema.safeParse(body);
    if (!parsed.success) throw badGateway(`${context.source ?? DEFAULT_STREAM_SOURCE} answered something that is not an Anthropic message`);
    const completion = fromAnthropicResponse(parsed.data, { model: context.model, created: context.created });
    return { json: JSON.stringify(completion), usage: completion.usage };
  },

  readErrorMessage: errorMessageIn,

  createStreamDecoder(context) {
    return new AnthropicStreamDecoder(context);
  },
};

/** A request Anthropic cannot express is the caller's to fix: 400 with the reason. */
function translateRequest(request: ChatCompletionRequest, model: string) {
  try {
    return toAnthropicRequest(request, model);
  } catch (error) {
    if (error instanceof TranslationError) throw badRequest(error.message);
    throw error;
  }
}

/**
 * A stream that ends before `message_delta` gave its stop reason was cut: `end()` owes
 * nothing, and the forwarder answers the cut with an explicit error frame. One that ends after
 * it is whole: `end()` hands over the usage still owed.
 */
class AnthropicStreamDecoder implements StreamDecoder {
  readonly #translator: AnthropicStreamTranslator;
  readonly #source: string;

  constructor(private readonly context: StreamContext) {
    // Usage is always translated: the audit needs it; the decoder drops it when not asked for.
    this.#translator = new AnthropicStreamTranslator({ model: context.model, created: context.created, includeUsage: true });
    this.#source = context.source ?? DEFAULT_STREAM_SOURCE;
  }

  decode(event: UpstreamEvent): StreamPart[] {
    const frame = parseStreamFrame(event.data);
    if (frame.type === 'not-json') return [{ type: 'error', message: `${this.#source} sent a stream frame that is not JSON` }];
    if (frame.type === 'error') return [{ type: 'error', message: `${this.#source} failed mid-stream: ${frame.message}` }];
    try {
      // Event types added to the API later are skipped rather than failing the answer.
      const streamEvent = readAnthropicStreamEvent(frame.value);
      if (!streamEvent) return [];
      const parts = this.#translator.push(streamEvent).map((chunk) => this.#toPart(chunk));
      if (streamEvent.type === 'message_stop') parts.push({ type: 'done' });
      return parts;
    } catch (error) {
      if (error instanceof UpstreamStreamError) return [{ type: 'error', message: `${this.#source} failed mid-stream: ${error.message}` }];
      throw error;
    }
  }

  end(): StreamPart[] {
    return this.#translator.finished ? this.#translator.finish().map((chunk) => this.#toPart(chunk)) : [];
  }

  #toPart(chunk: ChatCompletionChunk): StreamPart {
    const usageOnly = chunk.choices.length === 0;
    return { type: 'chunk', data: JSON.stringify(chunk), chunk, forward: !usageOnly || this.context.includeUsage };
  }
}
