import { systemClock, type Clock } from '@mcpctl/clock';
import { chatCompletionChunkSchema, chatCompletionSchema, modelIdListSchema } from '@mcpctl/protocol';
import {
  ChunkEnvelopeCompleter,
  completionChunks,
  peekOpenAiChunk,
  readSse,
  receivedCompletionSchema,
  refusesStreamOptions,
  SseSplitter,
  StreamOptionsRefusals,
  toOpenAiRequestBody,
  upstreamEndpoint,
  wholeAnswerType,
  type ChunkEnvelope,
  type SseFrame,
} from '@mcpctl/dialects';
import type { UpstreamAnswer } from '@mcpctl/upstream';
import { ProviderError } from '../../errors.js';
import { AVAILABILITY_TIMEOUT_MS, checkAvailability } from '../check-availability.js';
import { parseJsonFrame } from '../json-frame.js';
import type { ChunkSink, RelayedStreamEnd, CompletionOptions, CompletionResult, LlmProvider, StreamDelta } from '../llm-provider.js';
import { ChunkQueue } from '../chunk-queue.js';
import { pulledBody } from '../pulled-body.js';
import { bodyFailure, fetchProviderJson, openProviderAnswer, parseProviderBody, type ProviderHttpRequest, type ResponseSchema } from '../provider-http.js';
import { providerStream, unfinishedStream } from '../provider-stream.js';
import { fromOpenAiCompletion } from './from-openai-completion.js';
import { mapOpenAiChunk, type OpenAiChunkBody } from './map-openai-chunk.js';
import { toChatRequest } from '../to-chat-request.js';
import { readWholeAnswer } from '../whole-answer.js';
import { reportsSleeping, vllmSleepStateUrl } from './vllm-sleep-state.js';

/** Options of {@link OpenAiProvider}. */
export interface OpenAiProviderOptions {
  name: string;
  /** The server's base URL: `http://host:8000` gets `/v1`, a URL with a path is the API root. */
  url: string;
  /** The model id the server knows; it replaces whatever model name a caller used. */
  model: string;
  /** Sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
  /** How long `isAvailable` waits. Default 2 s. */
  availabilityTimeoutMs?: number | undefined;
  /** Times the availability probe. Default the system clock. */
  clock?: Clock | undefined;
}

// Only these fields are read, so servers that shape the envelope differently still work.
const completionSchema = chatCompletionSchema.pick({ choices: true, usage: true });
const chunkSchema = chatCompletionChunkSchema.pick({ choices: true, usage: true });
/** Checked as `completionSchema` checks, answering the body the server sent, not the schema's copy of it. */
const asSent: ResponseSchema<Record<string, unknown>> = {
  safeParse: (value) => {
    const checked = completionSchema.safeParse(value);
    return checked.success ? { success: true, data: value as Record<string, unknown> } : checked;
  },
};

/** Any OpenAI-compatible server: vLLM, llama.cpp, LM Studio, Ollama's `/v1`. */
export class OpenAiProvider implements LlmProvider {
  readonly name: string;
  private readonly options: OpenAiProviderOptions;
  /**
   * Whether the server refused the `stream_options` a stream adds (a strict server's 400 or 422
   * naming the field), so that it is not refused again for a while: this provider's one entry.
   */
  readonly #refusals = new StreamOptionsRefusals();

  constructor(options: OpenAiProviderOptions) {
    this.name = options.name;
    this.options = options;
  }

  async complete(options: CompletionOptions): Promise<CompletionResult> {
    return fromOpenAiCompletion(await this.fetchCompletion(options, completionSchema));
  }

  completionBody(options: CompletionOptions): Promise<Record<string, unknown>> {
    return this.fetchCompletion(options, asSent);
  }

  stream(options: CompletionOptions): AsyncIterable<StreamDelta> {
    return providerStream(this.name, options.signal, (signal) => this.streamDeltas(options, signal));
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const list = await fetchProviderJson(this.request('GET', '/models', options.signal), modelIdListSchema, 'model list');
    return list.data.map((model) => model.id);
  }

  /** The model list answers, and the server does not say it sleeps (vLLM's `/is_sleeping`). */
  isAvailable(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const timeoutMs = this.options.availabilityTimeoutMs ?? AVAILABILITY_TIMEOUT_MS;
    return checkAvailability(
      async ({ signal }) => {
        const sleepState = { ...this.request('GET', '/models', signal), url: vllmSleepStateUrl(this.options.url) };
        const [, sleeping] = await Promise.all([this.listModels({ signal }), reportsSleeping(sleepState)]);
        if (sleeping) throw new ProviderError(503, `provider "${this.name}" says its engine is asleep`);
      },
      options.signal,
      timeoutMs,
      this.options.clock,
    );
  }

  private async *streamDeltas(options: CompletionOptions, signal: AbortSignal): AsyncGenerator<StreamDelta> {
    let finished = false;
    const end = { done: false };
    for await (const data of this.dataFrames(options, signal, end)) {
      for (const delta of mapOpenAiChunk(this.readChunk(data))) {
        if (delta.type === 'finish') finished = true;
        yield delta;
      }
    }
    if (finished) return;
    // `[DONE]` without a finish reason: the server says the answer is over, and it ends as
    // mcpd's public path ends such a stream, with a finish reason of `stop` (decisions.md).
    if (end.done) yield { type: 'finish', reason: 'stop' };
    else throw unfinishedStream(this.name);
  }

  /**
   * The chunks' texts as the server wrote them, handed to `sink` in order. The body's reads come
   * through the answer's callbacks, not a stream: no iterator or promise per chunk between the
   * server's socket and the sink. A peek finds the few frames worth reading (the finish chunk,
   * the usage chunk, an error frame, anything unusual); only those are parsed.
   */
  async relayChunks(options: CompletionOptions, sink: ChunkSink): Promise<RelayedStreamEnd> {
    const answer = await this.openStream(options, options.signal);
    const queue = new ChunkQueue(sink, answer);
    const whole = await this.wholeAnswerChunks(answer, options.signal);
    if (whole) {
      for (const text of whole) queue.push(text);
      await queue.drained();
      return { finished: true };
    }
    const splitter = new SseSplitter();
    // mcpd takes a relayed frame only as a whole chunk: an envelope the server left incomplete is completed here.
    const envelopes = new ChunkEnvelopeCompleter(this.#envelope());
    let finished = false;
    let done = false;
    const take = (frames: SseFrame[]): boolean => {
      for (const frame of frames) {
        if (frame.type !== 'event') continue;
        if (frame.data === '[DONE]') return false;
        if (peekOpenAiChunk(frame.data) === 'plain') {
          queue.push(envelopes.text(frame.data));
          continue;
        }
        const chunk = this.readUnusualChunk(frame.data, envelopes);
        if (chunk.finished) finished = true;
        queue.push(chunk.text);
      }
      return true;
    };
    try {
      const how = await answer.read((bytes) => take(splitter.push(bytes)));
      // The stream ends at `[DONE]`: the rest of the body (nothing, or the end of the HTTP
      // message) is read afterwards, only so the connection can be reused.
      if (how === 'stopped') {
        answer.readRest(this.options.clock ?? systemClock);
        // `[DONE]` without a finish reason ends the answer all the same: whoever writes the
        // caller's stream adds the finish chunk, as mcpd does for a public LLM's (decisions.md).
        done = true;
      } else take(splitter.end());
      await queue.drained();
    } catch (error) {
      // A failure of the server's (a broken body, an error frame) comes after the chunks it sent
      // before it, as it would one by one; after an abort or a sink's failure nothing more goes.
      // Either way the chunk in flight settles first, so the task's error result follows it. The
      // body is over by now: the failure ended it, or the queue cut it.
      const stop = () => queue.stop();
      if (options.signal?.aborted || queue.failure !== undefined) stop();
      else options.signal?.addEventListener('abort', stop, { once: true });
      await queue.settled();
      options.signal?.removeEventListener('abort', stop);
      // A sink that refused a chunk fails the stream with its own reason: the server did nothing wrong.
      throw options.signal?.aborted || queue.failure === undefined ? bodyFailure(error, this.name, options.signal) : queue.failure;
    }
    if (!finished && !done) throw unfinishedStream(this.name);
    return { finished };
  }

  /** A chunk the peek did not pass (finish, usage, error, anything unusual): its text as it goes on, and whether it finishes the answer. */
  private readUnusualChunk(data: string, envelopes: ChunkEnvelopeCompleter): { text: string; finished: boolean } {
    const text = data.trim();
    const value = parseJsonFrame(text, this.name);
    const chunk = parseProviderBody(value, chunkSchema, 'stream chunk', this.name);
    const finished = Boolean(chunk.choices.find((choice) => choice.index === 0)?.finish_reason);
    const completed = envelopes.chunk(value as Record<string, unknown>);
    // A frame that spanned lines would break the SSE framing further on: written anew, as one completed is.
    return { text: completed || text.includes('\n') ? JSON.stringify(value) : text, finished };
  }

  /** What names chunks whose server did not: as a whole answer's chunks are named ({@link wholeAnswerChunks}). */
  #envelope(): ChunkEnvelope {
    return { id: 'chatcmpl-mcplocal', created: Math.floor((this.options.clock ?? systemClock).now().getTime() / 1000), model: this.options.model };
  }

  /**
   * The `data` of each event of a streamed completion, up to `[DONE]`. The stream ends at
   * `[DONE]`, so the answer's end goes out with the chunks that came in the same read; the rest
   * of the body (nothing, or the end of the HTTP message) is read afterwards, only so the
   * connection can be reused.
   */
  private async *dataFrames(options: CompletionOptions, signal: AbortSignal, end: { done: boolean }): AsyncGenerator<string> {
    const answer = await this.openStream(options, signal);
    const whole = await this.wholeAnswerChunks(answer, signal);
    if (whole) {
      yield* whole;
      end.done = true;
      return;
    }
    const streamed = pulledBody(answer);
    const events = readSse(streamed)[Symbol.asyncIterator]();
    let ended = false;
    try {
      for (let next = await events.next(); !next.done; next = await events.next()) {
        if (next.value.data === '[DONE]') {
          ended = true;
          end.done = true;
          streamed.readRest(this.options.clock ?? systemClock);
          return;
        }
        yield next.value.data;
      }
      ended = true;
    } finally {
      // Left early (the reader stopped, or a failure): the body is closed, not read on.
      if (!ended) await events.return(undefined);
    }
  }

  /**
   * The streamed chat completion `options` ask for, opened. mcpd needs the usage for its audit
   * whether or not the caller asked (it forwards the usage chunk only to a caller who did), so
   * the stream asks for it; a server that refuses the field is asked again without it, once, and
   * then not with it for a while ({@link StreamOptionsRefusals}). A caller that asked for usage
   * itself has the server asked whatever it refused before, and its refusal is the caller's, as
   * it would be calling the server directly.
   */
  private async openStream(options: CompletionOptions, signal: AbortSignal | undefined): Promise<UpstreamAnswer> {
    const clock = this.options.clock ?? systemClock;
    const askUsage = options.usageAsked === true || this.#refusals.mayAsk(this.name, clock);
    try {
      const answer = await openProviderAnswer(this.streamRequest(options, signal, askUsage));
      // A 2xx to a stream that carried the field: the server takes it now, whatever it refused before.
      if (options.usageAsked === true) this.#refusals.accepted(this.name);
      return answer;
    } catch (error) {
      if (options.usageAsked === true || !askUsage || !(error instanceof ProviderError) || !refusesStreamOptions(error.status, error.message)) throw error;
      const answer = await openProviderAnswer(this.streamRequest(options, signal, false));
      // Remembered once the server took the stream without it (a 2xx: openProviderAnswer threw otherwise).
      this.#refusals.refused(this.name, clock);
      return answer;
    }
  }

  /**
   * A server that ignores `stream` answers with the whole completion as JSON: its chunks, as an
   * OpenAI stream of it would carry them, the usage chunk included (mcpd audits it, and forwards
   * it only to a caller who asked), as mcpd reads a public LLM's such answer. Undefined for a
   * stream; a whole answer that is not a chat completion is a 502 saying what came.
   */
  private async wholeAnswerChunks(answer: UpstreamAnswer, signal: AbortSignal | undefined): Promise<string[] | undefined> {
    const mediaType = wholeAnswerType(answer.headers['content-type']);
    if (mediaType === undefined) return undefined;
    const completion = await readWholeAnswer(answer, mediaType, this.name, receivedCompletionSchema, signal);
    return completionChunks(completion, { envelope: this.#envelope(), includeUsage: true }).map((chunk) => JSON.stringify(chunk));
  }

  private streamRequest(options: CompletionOptions, signal: AbortSignal | undefined, askUsage: boolean): ProviderHttpRequest {
    const body = toOpenAiRequestBody(toChatRequest(options), this.options.model, true, { askUsage });
    const request = this.request('POST', '/chat/completions', signal, body);
    return { ...request, headers: { ...request.headers, accept: 'text/event-stream' } };
  }

  private fetchCompletion<T>(options: CompletionOptions, schema: ResponseSchema<T>): Promise<T> {
    const body = toOpenAiRequestBody(toChatRequest(options), this.options.model, false);
    const request = this.request('POST', '/chat/completions', options.signal, body);
    return fetchProviderJson(request, schema, 'chat completion');
  }

  private readChunk(data: string): OpenAiChunkBody {
    return parseProviderBody(parseJsonFrame(data, this.name), chunkSchema, 'stream chunk', this.name);
  }

  private request(method: 'GET' | 'POST', endpoint: string, signal: AbortSignal | undefined, body?: unknown): ProviderHttpRequest {
    const headers: Record<string, string> = {};
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    return { provider: this.name, method, url: upstreamEndpoint(this.options.url, endpoint), headers, body, signal };
  }
}
