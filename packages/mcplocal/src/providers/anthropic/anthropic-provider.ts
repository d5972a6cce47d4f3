import { anthropicStreamEventSchema, modelIdListSchema } from '@mcpctl/protocol';
import { AVAILABILITY_TIMEOUT_MS, checkAvailability } from '../check-availability.js';
import { parseJsonFrame } from '../json-frame.js';
import type { CompletionOptions, CompletionResult, LlmProvider, StreamDelta } from '../llm-provider.js';
import { fetchProviderJson, openProviderStream, parseProviderBody, type ProviderHttpRequest } from '../provider-http.js';
import { providerStream, unfinishedStream } from '../provider-stream.js';
import { readSse } from '../read-sse.js';
import { upstreamEndpoint } from '../upstream-endpoint.js';
import { anthropicResponseBodySchema, isKnownAnthropicEvent } from './anthropic-schemas.js';
import { AnthropicStreamMapper } from './anthropic-stream-mapper.js';
import { fromAnthropicResponse } from './from-anthropic-response.js';
import { toAnthropicRequest } from './to-anthropic-request.js';

export const ANTHROPIC_VERSION = '2023-06-01';

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
}

/** The Anthropic Messages API, or a server speaking it; callers use the OpenAI vocabulary. */
export class AnthropicProvider implements LlmProvider {
  readonly name: string;
  private readonly options: AnthropicProviderOptions;

  constructor(options: AnthropicProviderOptions) {
    this.name = options.name;
    this.options = options;
  }

  async complete(options: CompletionOptions): Promise<CompletionResult> {
    const body = toAnthropicRequest(options, this.options.model, false);
    const response = await fetchProviderJson(this.request('POST', '/messages', options.signal, body), anthropicResponseBodySchema, 'message');
    return fromAnthropicResponse(response);
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
    return checkAvailability((listOptions) => this.listModels(listOptions), options.signal, timeoutMs);
  }

  private async *streamDeltas(options: CompletionOptions, signal: AbortSignal): AsyncGenerator<StreamDelta> {
    const body = toAnthropicRequest(options, this.options.model, true);
    const request = this.request('POST', '/messages', signal, body);
    const streamed = await openProviderStream({ ...request, headers: { ...request.headers, accept: 'text/event-stream' } });
    const mapper = new AnthropicStreamMapper(this.name);
    for await (const event of readSse(streamed)) {
      const frame = parseJsonFrame(event.data, this.name);
      if (!isKnownAnthropicEvent(frame)) continue;
      yield* mapper.push(parseProviderBody(frame, anthropicStreamEventSchema, 'stream event', this.name));
    }
    if (!mapper.stopped) throw unfinishedStream(this.name);
  }

  private request(method: 'GET' | 'POST', endpoint: string, signal: AbortSignal | undefined, body?: unknown): ProviderHttpRequest {
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (this.options.apiKey !== undefined) headers['x-api-key'] = this.options.apiKey;
    return { provider: this.name, method, url: upstreamEndpoint(this.options.url, endpoint), headers, body, signal };
  }
}
