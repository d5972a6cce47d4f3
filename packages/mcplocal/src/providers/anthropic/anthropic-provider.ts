import { systemClock, type Clock } from '@mcpctl/clock';
import { modelIdListSchema } from '@mcpctl/protocol';
import {
  AnthropicStreamTranslator,
  anthropicHeaders,
  anthropicResponseBodySchema,
  completionChunks,
  fromAnthropicResponse,
  readAnthropicStreamEvent,
  readSse,
  toAnthropicRequest,
  upstreamEndpoint,
  wholeAnswerType,
} from '@mcpctl/dialects';
import type { UpstreamAnswer } from '@mcpctl/upstream';
import { AVAILABILITY_TIMEOUT_MS, checkAvailability } from '../check-availability.js';
import { translated } from '../dialect-failure.js';
import { parseJsonFrame } from '../json-frame.js';
import type { CompletionOptions, CompletionResult, LlmProvider, StreamDelta } from '../llm-provider.js';
import { fromOpenAiCompletion } from '../openai/from-openai-completion.js';
import { mapOpenAiChunk } from '../openai/map-openai-chunk.js';
import { fetchProviderJson, openProviderAnswer, type ProviderHttpRequest } from '../provider-http.js';
import { providerStream, unfinishedStream } from '../provider-stream.js';
import { pulledBody } from '../pulled-body.js';
import { toChatRequest } from '../to-chat-request.js';
import { readWholeAnswer } from '../whole-answer.js';

/** Options of {@link AnthropicProvider}. */
export interface AnthropicProviderOptions {
  name: string;
  /** `https://api.anthropic.com` gets `/v1`; a URL with a path is the API root. */
  url: string;
  model: string;
  /** Sent as `x-api-key`. */
  apiKey?: string | undefined;
  /** How long `isAvailable` waits. Default 2 s. */
  availabilityTimeoutMs?: number | undefined;
  /** Times the availability probe. Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * The Anthropic Messages API, or a server speaking it; callers use the OpenAI vocabulary. The
 * translation is the shared one mcpd uses too; answers come back in OpenAI's shape and are read
 * as an OpenAI server's would be.
 */
export class AnthropicProvider implements LlmProvider {
  readonly name: string;
  private readonly options: AnthropicProviderOptions;

  constructor(options: AnthropicProviderOptions) {
    this.name = options.name;
    this.options = options;
  }

  async complete(options: CompletionOptions): Promise<CompletionResult> {
    const body = this.translate(options, false);
    const response = await fetchProviderJson(this.request('POST', '/messages', options.signal, body), anthropicResponseBodySchema, 'message');
    return fromOpenAiCompletion(fromAnthropicResponse(response, { model: this.options.model, created: 0 }));
  }

  stream(options: CompletionOptions): AsyncIterable<StreamDelta> {
    return providerStream(this.name, options.signal, (signal) => this.streamDeltas(options, signal));
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const list = await fetchProviderJson(this.request('GET', '/models', options.signal), modelIdListSchema, 'model list');
    return list.data.map((model) => model.id);
  }

  isAvailable(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const timeoutMs = this.options.availabilityTimeoutMs ?? AVAILABILITY_TIMEOUT_MS;
    return checkAvailability((listOptions) => this.listModels(listOptions), options.signal, timeoutMs, this.options.clock);
  }

  private async *streamDeltas(options: CompletionOptions, signal: AbortSignal): AsyncGenerator<StreamDelta> {
    const request = this.request('POST', '/messages', signal, this.translate(options, true));
    const answer = await openProviderAnswer({ ...request, headers: { ...request.headers, accept: 'text/event-stream' } });
    const mediaType = wholeAnswerType(answer.headers['content-type']);
    if (mediaType !== undefined) {
      for (const chunk of await this.wholeAnswerChunks(answer, mediaType, signal)) yield* mapOpenAiChunk(chunk);
      return;
    }
    const streamed = pulledBody(answer);
    const translator = new AnthropicStreamTranslator({ model: this.options.model, created: 0, includeUsage: true });
    for await (const event of readSse(streamed)) {
      const frame = parseJsonFrame(event.data, this.name);
      const chunks = translated(this.name, () => {
        const streamEvent = readAnthropicStreamEvent(frame);
        return streamEvent ? translator.push(streamEvent) : [];
      });
      for (const chunk of chunks) yield* mapOpenAiChunk(chunk);
    }
    // As for OpenAI streams: once the stop reason came, the answer is whole; the usage is still owed.
    if (!translator.finished) throw unfinishedStream(this.name);
    for (const chunk of translator.finish()) yield* mapOpenAiChunk(chunk);
  }

  /**
   * A server that ignores `stream` answers with the whole message as JSON: its chunks, as the
   * OpenAI provider and mcpd make them of a whole answer, the usage included. A whole answer that
   * is not a message is a 502 saying what came.
   */
  private async wholeAnswerChunks(answer: UpstreamAnswer, mediaType: string, signal: AbortSignal) {
    const message = await readWholeAnswer(answer, mediaType, this.name, anthropicResponseBodySchema, signal);
    const created = Math.floor((this.options.clock ?? systemClock).now().getTime() / 1000);
    const completion = fromAnthropicResponse(message, { model: this.options.model, created });
    return completionChunks(completion, { envelope: { id: completion.id, created, model: this.options.model }, includeUsage: true });
  }

  private translate(options: CompletionOptions, stream: boolean) {
    return translated(this.name, () => toAnthropicRequest({ ...toChatRequest(options), stream }, this.options.model));
  }

  private request(method: 'GET' | 'POST', endpoint: string, signal: AbortSignal | undefined, body?: unknown): ProviderHttpRequest {
    const headers = anthropicHeaders(this.options.apiKey);
    return { provider: this.name, method, url: upstreamEndpoint(this.options.url, endpoint), headers, body, signal };
  }
}
