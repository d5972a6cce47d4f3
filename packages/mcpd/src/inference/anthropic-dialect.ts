import { anthropicResponseSchema, anthropicStreamEventSchema, type ChatCompletionChunk } from '@mcpctl/protocol';
import {
  AnthropicTranslationError,
  AnthropicStreamError,
  AnthropicStreamTranslator,
  fromAnthropicResponse,
  toAnthropicRequest,
} from '../dialects/anthropic/index.js';
import { badGateway, badRequest } from '../errors.js';
import type { Dialect, StreamContext, StreamDecoder, StreamPart, UpstreamEvent } from './dialect.js';
import { upstreamEndpoint } from './upstream-url.js';

const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic's Messages API, translated to and from the OpenAI shape. */
export const anthropicDialect: Dialect = {
  buildRequest(target, request, streaming) {
    const body = { ...translateRequest(request, target.record.model), stream: streaming };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
    };
    if (target.apiKey) headers['x-api-key'] = target.apiKey;
    return { url: upstreamEndpoint(target.record.url ?? '', '/messages'), headers, body: JSON.stringify(body) };
  },

  readCompletion(body, _text, context) {
    const parsed = anthropicResponseSchema.safeParse(body);
    if (!parsed.success) throw badGateway('the Anthropic upstream answered something that is not a message');
    const completion = fromAnthropicResponse(parsed.data, { model: context.model, created: context.created });
    return { json: JSON.stringify(completion), usage: completion.usage };
  },

  readErrorMessage(body) {
    if (typeof body !== 'object' || body === null) return undefined;
    const error = (body as { error?: { message?: unknown } }).error;
    return typeof error?.message === 'string' ? error.message : undefined;
  },

  createStreamDecoder(context) {
    return new AnthropicStreamDecoder(context);
  },
};

/** A request Anthropic cannot express is the caller's to fix: 400 with the reason. */
function translateRequest(request: Parameters<typeof toAnthropicRequest>[0], model: string) {
  try {
    return toAnthropicRequest(request, model);
  } catch (error) {
    if (error instanceof AnthropicTranslationError) throw badRequest(error.message);
    throw error;
  }
}

/**
 * A stream that ends before `message_delta` gave its stop reason was cut: `end()` owes
 * nothing, and the forwarder answers the cut with an explicit error frame.
 */
class AnthropicStreamDecoder implements StreamDecoder {
  readonly #translator: AnthropicStreamTranslator;

  constructor(private readonly context: StreamContext) {
    // Usage is always translated: the audit needs it; the decoder drops it when not asked for.
    this.#translator = new AnthropicStreamTranslator({ model: context.model, created: context.created, includeUsage: true });
  }

  decode(event: UpstreamEvent): StreamPart[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return [{ type: 'error', message: 'the Anthropic upstream sent a stream frame that is not JSON' }];
    }
    const streamEvent = anthropicStreamEventSchema.safeParse(parsed);
    // Event types added to the API later are skipped rather than failing the answer.
    if (!streamEvent.success) return [];
    try {
      const parts = this.#translator.push(streamEvent.data).map((chunk) => this.#toPart(chunk));
      if (streamEvent.data.type === 'message_stop') parts.push({ type: 'done' });
      return parts;
    } catch (error) {
      if (error instanceof AnthropicStreamError) return [{ type: 'error', message: `the upstream failed mid-stream: ${error.message}` }];
      throw error;
    }
  }

  end(): StreamPart[] {
    return [];
  }

  #toPart(chunk: ChatCompletionChunk): StreamPart {
    const usageOnly = chunk.choices.length === 0;
    return { type: 'chunk', data: JSON.stringify(chunk), chunk, forward: !usageOnly || this.context.includeUsage };
  }
}
