import type { Cancel, Clock } from '@mcpctl/clock';
import { REQUEST_REFUSAL_STATUSES, type TaskChunkResult, type TaskErrorResult, type TaskResult, type Usage } from '@mcpctl/protocol';
import { badGateway, badRequest, gatewayTimeout, HttpError, notFound, publisherUnavailable, serviceUnavailable } from '../errors.js';
import { publisherReason } from './publisher-reason.js';
import type { Caller, CallerSink } from '../inference/caller.js';
import type { StreamDecoder, StreamPart } from '../inference/dialect.js';
import { openAiDialect } from '../inference/open-ai-dialect.js';
import { completionText, completionToolCalls } from '../inference/completion-text.js';
import { StreamForwarder } from '../inference/stream-forwarder.js';
import { CallerGoneError } from '../inference/upstream-call.js';
import { upstreamStatusError } from '../inference/upstream-status.js';
import { sanitizeUpstreamError } from '../security/sanitize-upstream-error.js';
import type { TaskSink } from './task-registry.js';
import { BusPayloadTooLargeError } from './relay-bus.js';

/** Seconds a caller told that a publisher is offline should wait before trying again. */
export const OFFLINE_RETRY_AFTER_SECONDS = 30;

export interface RelayedTaskOptions {
  llmName: string;
  streaming: boolean;
  caller: Caller;
  headers: Record<string, string>;
  decoder: StreamDecoder;
  collectContent?: boolean | undefined;
  /** Longest wait for the publisher's first result, then between two results. */
  firstResultTimeoutMs: number;
  idleTimeoutMs: number;
  /** Times the silences above and the first token. */
  clock: Clock;
  /**
   * Characters of chunk data that may wait while the caller's socket is full; one more fails the
   * task (MCPD_RELAY_TASK_BUFFER_BYTES).
   */
  bufferBytes: number;
  /** Tells the publisher to stop working on the task (caller gone, timed out). */
  cancel(): void;
  /** Called once when the task is over, whatever the reason. */
  onEnd(): void;
}

/**
 * One inference relayed to a workstation: turns the results its publisher posts into the
 * caller's answer, and fails cleanly when either side goes away or falls silent.
 */
export class RelayedTask implements TaskSink {
  readonly done: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  #cancelTimer: Cancel | undefined;
  /** When the publisher's time for its next result runs out, and when the timer is set to fire (monotonic ms). */
  #deadline = 0;
  #timerAt = 0;
  #forwarder: StreamForwarder | undefined;
  #sink: CallerSink | undefined;
  /** Chunks that came while the caller's socket was full, in order, with their size; written from `#heldNext`. */
  readonly #held: Array<{ parts: StreamPart[]; bytes: number }> = [];
  #heldNext = 0;
  #heldBytes = 0;
  readonly #writeHeld = () => this.#flushHeld();
  #ended = false;
  #usage: Usage | undefined;
  #content: string | undefined;
  #toolCalls: unknown[] | undefined;
  readonly #onCallerGone = () => this.#callerGone();

  constructor(private readonly options: RelayedTaskOptions) {
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#arm(options.firstResultTimeoutMs);
    options.caller.signal.addEventListener('abort', this.#onCallerGone, { once: true });
  }

  get usage(): Usage | undefined {
    return this.#forwarder?.usage ?? this.#usage;
  }

  get content(): string | undefined {
    return this.#forwarder?.content ?? this.#content;
  }

  /** The answer's tool calls, when asked to collect its content. */
  get toolCalls(): unknown[] | undefined {
    return this.#forwarder?.toolCalls ?? this.#toolCalls;
  }

  get firstTokenAt(): number | undefined {
    return this.#forwarder?.firstTokenAt;
  }

  /** The failure that ended an answer already under way, if any. */
  get streamFailure(): string | undefined {
    const outcome = this.#forwarder?.outcome;
    return outcome && !outcome.ok ? outcome.message : undefined;
  }

  /**
   * Results in the order the publisher sent them; the chunks among them reach the caller in one
   * write. Throws a 400 HttpError for a chunk it cannot use, after ending the task with it.
   */
  results(results: readonly TaskResult[]): void {
    if (this.#ended) return;
    this.#arm(this.options.idleTimeoutMs);
    let chunks: Array<TaskChunkResult['chunk']> = [];
    for (const result of results) {
      if ('chunk' in result) {
        chunks.push(result.chunk);
        continue;
      }
      if (chunks.length > 0) this.#chunks(chunks);
      chunks = [];
      if (this.#ended) return;
      if ('error' in result) return this.#fail(publisherFailure(this.options.llmName, result));
      this.#whole(result.status, result.body, result.retryAfterSeconds);
    }
    if (chunks.length > 0) this.#chunks(chunks);
  }

  /** The task never reached a publisher: no replica holds its session's connection any more, or the bus would not carry it. */
  unsent(error?: unknown): void {
    if (error instanceof BusPayloadTooLargeError) return this.#fail(new HttpError(413, `the request is too large to relay to ${this.options.llmName}: ${error.message}`));
    this.#fail(serviceUnavailable(`the publisher of ${this.options.llmName} is offline`, OFFLINE_RETRY_AFTER_SECONDS));
  }

  publisherGone(how?: 'unreachable' | 'lost'): void {
    if (how === 'lost') {
      return this.#fail(badGateway(`part of the answer of ${this.options.llmName} was lost on its way from its publisher (a connection between them broke); the answer ends here`));
    }
    // Unreachable: its connection is held by another replica, and this one lost the bus to it.
    const what = how === 'unreachable' ? 'can no longer be reached from this mcpd' : 'disconnected';
    this.#fail(serviceUnavailable(`the publisher of ${this.options.llmName} ${what}`, 5));
  }

  #chunks(chunks: ReadonlyArray<TaskChunkResult['chunk']>): void {
    if (this.#ended) return;
    if (!this.options.streaming) {
      return this.#fail(badGateway(`the publisher of ${this.options.llmName} streamed an answer to a request that did not ask for a stream`));
    }
    this.#sink ??= this.options.caller.openStream(this.options.headers);
    this.#forwarder ??= new StreamForwarder(this.#sink, this.options.clock, {
      collectContent: this.options.collectContent,
    });
    const parts: StreamPart[] = [];
    let bytes = 0;
    for (const { data, done } of chunks) {
      const decoded = done === true || data.trim() === '[DONE]' ? [{ type: 'done' as const }] : this.options.decoder.decode({ data });
      const malformed = decoded.find((part) => part.type === 'error');
      if (malformed) {
        // What came before it reaches the caller; skipping it would leave a silent gap, so the caller hears of it at once.
        this.#forward(parts, bytes);
        this.#fail(badGateway(malformed.message));
        throw badRequest(`${malformed.message}; the task is over`);
      }
      parts.push(...decoded);
      bytes += data.length;
    }
    this.#forward(parts, bytes);
  }

  /** Writes parts to the caller, or holds them while its socket is full. */
  #forward(parts: StreamPart[], bytes: number): void {
    const sink = this.#sink;
    const forwarder = this.#forwarder;
    if (this.#ended || !sink || !forwarder || parts.length === 0) return;
    if (this.#heldNext < this.#held.length || sink.full) return this.#hold(parts, bytes);
    if (forwarder.accept(parts)) this.#end();
  }

  /**
   * The caller reads slower than the publisher sends: this task's chunks wait here, while the
   * publisher's connection is still read for its other tasks. Past the buffer the task fails,
   * and the publisher hears it as a result for a finished task (404, or `gone` on the socket).
   */
  #hold(parts: StreamPart[], bytes: number): void {
    this.#heldBytes += bytes;
    if (this.#heldBytes > this.options.bufferBytes) {
      this.options.cancel();
      this.#fail(this.#slowCaller(`more than ${this.options.bufferBytes} characters waited`));
      throw notFound('the task is over: its caller read too slowly');
    }
    // The first chunk to wait asks for the drain; the flush asks again while the socket stays full.
    if (this.#held.push({ parts, bytes }) - this.#heldNext === 1) this.#sink?.onDrain(this.#writeHeld);
  }

  #flushHeld(): void {
    const sink = this.#sink;
    const forwarder = this.#forwarder;
    if (!sink || !forwarder) return;
    while (!this.#ended && this.#heldNext < this.#held.length) {
      if (sink.full) {
        // What was written goes, so a caller that stays a little behind holds only what waits.
        this.#held.splice(0, this.#heldNext);
        this.#heldNext = 0;
        sink.onDrain(this.#writeHeld);
        return;
      }
      const next = this.#held[this.#heldNext];
      this.#heldNext += 1;
      if (!next) return;
      this.#heldBytes -= next.bytes;
      if (forwarder.accept(next.parts)) this.#end();
    }
    this.#held.length = 0;
    this.#heldNext = 0;
  }

  #whole(status: number, body: unknown, retryAfterSeconds: number | undefined): void {
    if (status < 200 || status >= 300) {
      const message = openAiDialect.readErrorMessage(body);
      // A workstation's server refusing the request itself; any other status is the publisher failing.
      if (REQUEST_REFUSAL_STATUSES.has(status)) return this.#fail(upstreamStatusError(status, message, this.options.llmName, retryAfterSeconds));
      return this.#fail(badGateway(`the publisher of ${this.options.llmName} failed: its model server answered HTTP ${status}${message ? `: ${message}` : ''}`));
    }
    if (this.options.streaming) {
      return this.#fail(badGateway(`the publisher of ${this.options.llmName} answered a streaming request in one piece`));
    }
    try {
      const completion = openAiDialect.readCompletion(body, JSON.stringify(body), { model: this.options.llmName, includeUsage: false, created: 0, source: `the publisher of ${this.options.llmName}` });
      this.#usage = completion.usage;
      if (this.options.collectContent) {
        this.#content = completionText(completion.json);
        this.#toolCalls = completionToolCalls(completion.json);
      }
      this.options.caller.sendJson(completion.json, this.options.headers);
      this.#end();
    } catch (error) {
      this.#fail(error as HttpError);
    }
  }

  /**
   * The publisher has `ms` from now for its next result. Results come with every streamed read,
   * so the timer is not reset for each: it stays set while the new deadline is later than it, and
   * when it fires early it sets itself for the rest.
   */
  #arm(ms: number): void {
    const { clock } = this.options;
    this.#deadline = clock.monotonic() + ms;
    if (this.#cancelTimer && this.#timerAt <= this.#deadline) return;
    this.#setTimer(ms);
  }

  #setTimer(ms: number): void {
    this.#cancelTimer?.();
    this.#timerAt = this.options.clock.monotonic() + ms;
    this.#cancelTimer = this.options.clock.after(ms, () => {
      this.#cancelTimer = undefined;
      const left = this.#deadline - this.options.clock.monotonic();
      if (left > 0) return this.#setTimer(left);
      this.options.cancel();
      // Chunks still waiting for the caller mean the caller, not the publisher, is the one behind.
      if (this.#heldNext < this.#held.length) return this.#fail(this.#slowCaller('its answer waited past the relay timeout'));
      this.#fail(gatewayTimeout(`the publisher of ${this.options.llmName} did not answer in time`));
    });
  }

  #slowCaller(detail: string): HttpError {
    return badGateway(`the caller of ${this.options.llmName} read its answer too slowly: ${detail}`);
  }

  #callerGone(): void {
    if (this.#ended) return;
    this.options.cancel();
    this.#fail(new CallerGoneError());
  }

  /** Before the first byte the caller gets a status; after it, an error frame ends the stream. */
  #fail(unsafe: Error): void {
    // A publisher relays its upstream's words, which may quote that upstream's key.
    const error = sanitizeUpstreamError(unsafe) as Error;
    if (this.#ended) return;
    if (this.#forwarder && !(error instanceof CallerGoneError)) {
      this.#forwarder.fail(error.message);
      this.#end();
      return;
    }
    this.#end(error);
  }

  #end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#held.length = 0;
    this.#heldNext = 0;
    this.#cancelTimer?.();
    this.options.caller.signal.removeEventListener('abort', this.#onCallerGone);
    this.options.onEnd();
    if (error) this.#reject(error);
    else this.#resolve();
  }
}

/**
 * A publisher's failed task: 503 with its `Retry-After` when the publisher said when it serves
 * again (a pool then tries another member, as for any 503), 502 otherwise.
 */
function publisherFailure(llmName: string, result: TaskErrorResult): HttpError {
  const message = `the publisher of ${llmName} failed: ${publisherReason(result.error, llmName)}`;
  if (result.retryAfterSeconds === undefined) return badGateway(message);
  return publisherUnavailable(message, result.retryAfterSeconds);
}
