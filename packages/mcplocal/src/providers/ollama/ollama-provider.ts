import type { Clock } from '@mcpctl/clock';
import { randomBytes } from 'node:crypto';
import { ollamaChatResponseSchema, ollamaTagListSchema } from '@mcpctl/protocol';
import { OllamaStreamTranslator, fromOllamaResponse, ollamaEndpoint, readLines, toOllamaRequest } from '@mcpctl/dialects';
import { ProviderError } from '../../errors.js';
import { AVAILABILITY_TIMEOUT_MS, checkAvailability } from '../check-availability.js';
import { translated } from '../dialect-failure.js';
import { parseJsonFrame } from '../json-frame.js';
import type { CompletionOptions, CompletionResult, LlmProvider, StreamDelta } from '../llm-provider.js';
import { fromOpenAiCompletion } from '../openai/from-openai-completion.js';
import { mapOpenAiChunk } from '../openai/map-openai-chunk.js';
import { fetchProviderJson, openProviderStream, parseProviderBody, type ProviderHttpRequest } from '../provider-http.js';
import { providerStream, unfinishedStream } from '../provider-stream.js';
import { toChatRequest } from '../to-chat-request.js';
import { isModelLoaded } from './ollama-loaded-models.js';

/** Options of {@link OllamaProvider}. */
export interface OllamaProviderOptions {
  name: string;
  /** The server root, e.g. `http://127.0.0.1:11434`. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer`, for an Ollama behind an authenticating proxy. */
  apiKey?: string | undefined;
  /** How long `isAvailable` waits. Default 2 s. */
  availabilityTimeoutMs?: number | undefined;
  /** Times the availability probe. Default the system clock. */
  clock?: Clock | undefined;
  /** Ids for tool calls Ollama sends without one. Default: `call_` and 24 random hex digits. */
  generateToolCallId?: (() => string) | undefined;
}

const randomToolCallId = () => `call_${randomBytes(12).toString('hex')}`;

/**
 * Ollama through its native API (`/api/chat`), which streams NDJSON and reports thinking. The
 * translation is the shared one; answers come back in OpenAI's shape and are read as an OpenAI
 * server's would be.
 */
export class OllamaProvider implements LlmProvider {
  readonly name: string;
  private readonly options: OllamaProviderOptions;
  private readonly answer: { id: string; model: string; created: number; generateToolCallId: () => string };

  constructor(options: OllamaProviderOptions) {
    this.name = options.name;
    this.options = options;
    // The relay gives answers its own id and time; only the tool-call ids travel on.
    this.answer = { id: '', model: options.model, created: 0, generateToolCallId: options.generateToolCallId ?? randomToolCallId };
  }

  async complete(options: CompletionOptions): Promise<CompletionResult> {
    const body = translated(this.name, () => toOllamaRequest(toChatRequest(options), this.options.model, false));
    const response = await fetchProviderJson(this.request('POST', '/api/chat', options.signal, body), ollamaChatResponseSchema, 'chat answer');
    return fromOpenAiCompletion(fromOllamaResponse(response, this.answer));
  }

  stream(options: CompletionOptions): AsyncIterable<StreamDelta> {
    return providerStream(this.name, options.signal, (signal) => this.streamDeltas(options, signal));
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const list = await fetchProviderJson(this.request('GET', '/api/tags', options.signal), ollamaTagListSchema, 'model list');
    return list.models.map((model) => model.name);
  }

  /** The model list answers, and the model is loaded where Ollama says which are (`/api/ps`). */
  isAvailable(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const timeoutMs = this.options.availabilityTimeoutMs ?? AVAILABILITY_TIMEOUT_MS;
    return checkAvailability(
      async ({ signal }) => {
        const [, loaded] = await Promise.all([this.listModels({ signal }), isModelLoaded(this.request('GET', '/api/ps', signal), this.options.model)]);
        if (!loaded) throw new ProviderError(503, `provider "${this.name}": model ${this.options.model} is not loaded`);
      },
      options.signal,
      timeoutMs,
      this.options.clock,
    );
  }

  private async *streamDeltas(options: CompletionOptions, signal: AbortSignal): AsyncGenerator<StreamDelta> {
    const body = translated(this.name, () => toOllamaRequest(toChatRequest(options), this.options.model, true));
    const streamed = await openProviderStream(this.request('POST', '/api/chat', signal, body));
    const translator = new OllamaStreamTranslator({ ...this.answer, includeUsage: true });
    for await (const line of readLines(streamed)) {
      const parsed = parseProviderBody(parseJsonFrame(line, this.name), ollamaChatResponseSchema, 'stream line', this.name);
      for (const chunk of translator.push(parsed)) yield* mapOpenAiChunk(chunk);
    }
    if (!translator.stopped) throw unfinishedStream(this.name);
  }

  private request(method: 'GET' | 'POST', endpoint: string, signal: AbortSignal | undefined, body?: unknown): ProviderHttpRequest {
    const headers: Record<string, string> = {};
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    return { provider: this.name, method, url: ollamaEndpoint(this.options.url, endpoint), headers, body, signal };
  }
}
