import type { Clock } from '@mcpctl/clock';
import { retryAfterOfHeaders, SERVED_BY_HEADER } from '@mcpctl/protocol';
import type { Dispatcher } from 'undici';
import { asksForUsage, refusesStreamOptions, SseSplitter, StreamOptionsRefusals, wholeAnswerType, type SseFrame } from '@mcpctl/dialects';
import type { CancelSignal } from '@mcpctl/upstream';
import type { InferenceTarget } from '../catalog/llm-catalog.js';
import { anthropicDialect } from './anthropic-dialect.js';
import type { CallerSink } from './caller.js';
import type { Dialect, StreamContext, StreamDecoder, StreamPart } from './dialect.js';
import type { InferenceBackend, InferenceCall, InferenceOutcome } from './inference-backend.js';
import { completionText, completionToolCalls } from './completion-text.js';
import { openAiDialect } from './open-ai-dialect.js';
import { urlSecrets } from '../security/mask-url.js';
import { sanitizeUpstreamError } from '../security/sanitize-upstream-error.js';
import { StreamForwarder } from './stream-forwarder.js';
import { answerText, CallerGoneError, callUpstream, upstreamFailure, type UpstreamAnswer } from './upstream-call.js';
import { upstreamStatusError } from './upstream-status.js';
import { wholeAnswerParts } from './whole-answer-stream.js';
import type { HopGuard } from './hop-guard.js';
import { badGateway } from '../errors.js';
import type { UpstreamAddressGuard } from '../security/upstream-address-guard.js';

export interface PublicUpstreamOptions {
  dispatcher: Dispatcher;
  /**
   * For LLMs of non-admins: connections whose every address is checked by the address
   * guard's lookup as they open, so a name that later resolves to loopback is refused.
   */
  guardedDispatcher: Dispatcher;
  guard: UpstreamAddressGuard;
  /** Whether an LLM's owner is an admin (who may point it anywhere). */
  ownerIsAdmin: (ownerId: string | null) => Promise<boolean>;
  /** Marks every upstream call with this instance, so a URL pointing back at mcpd ends in a 508. */
  hops: HopGuard;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  /** The largest whole answer, and the largest stream frame, taken from an upstream (`MCPD_MAX_RESULT_BYTES`). */
  maxAnswerBytes: number;
  clock: Clock;
}

const DIALECTS: Record<string, Dialect> = { openai: openAiDialect, ollama: openAiDialect, anthropic: anthropicDialect };

/** Public LLMs: mcpd calls the upstream itself, with the key it keeps. */
export class PublicUpstream implements InferenceBackend {
  /** How a stream waits on a full caller and how large a frame may grow: the same for every request. */
  readonly #hold: StreamHold;
  /**
   * Upstream URLs whose server refused the `stream_options` mcpd adds to a stream (a strict
   * server's 400 or 422 naming the field): their streams go without it for a while, and the
   * audit takes usage from whichever chunk carries it. Kept per process; a replica learns it on its own.
   */
  readonly #refusals = new StreamOptionsRefusals();

  constructor(private readonly options: PublicUpstreamOptions) {
    this.#hold = { clock: options.clock, idleTimeoutMs: options.idleTimeoutMs, maxFrameBytes: options.maxAnswerBytes };
  }

  async serve(call: InferenceCall, target: InferenceTarget, outcome: InferenceOutcome): Promise<void> {
    try {
      await this.#serve(call, target, outcome);
    } catch (error) {
      // The upstream's own words may quote the key mcpd sent it.
      throw sanitizeUpstreamError(error, credentialsOf(target));
    }
  }

  async #serve(call: InferenceCall, target: InferenceTarget, outcome: InferenceOutcome, askUsage = this.#refusals.mayAsk(target.record.url ?? '', this.options.clock)): Promise<void> {
    const dialect = DIALECTS[target.record.type] ?? openAiDialect;
    const streaming = call.request.stream === true;
    // mcpd asks a stream for usage the caller did not ask for; a server that refuses the field is
    // asked again without it, once, and remembered. What the caller asked for is theirs to be refused.
    const mayRetryWithoutUsage = streaming && askUsage && dialect === openAiDialect && !asksForUsage(call.request);
    // Failures name the LLM that failed, a pool's member when a pool was asked (as the relay
    // does, and as `x-mcpctl-served-by` does); the answer keeps the name the caller asked for.
    const llmName = target.record.name;
    const context: StreamContext = {
      model: call.name,
      includeUsage: call.request.stream_options?.include_usage === true,
      created: Math.floor(this.options.clock.now().getTime() / 1000),
      collectContent: call.collectContent,
      choices: call.request.n,
      source: `the upstream of ${llmName}`,
    };
    const failureContext = { signal: call.caller.signal, llmName, answered: false };
    // The request is built for this call alone: the hop header joins its headers in place.
    const upstream = dialect.buildRequest(target, call.request, streaming, { askUsage });
    Object.assign(upstream.headers, this.options.hops.outgoing(call.hops ?? []));
    const { headersTimeoutMs, idleTimeoutMs } = this.options;
    const dispatcher = await this.#dispatcherFor(target, call);
    const answer = await callUpstream(upstream, { dispatcher, headersTimeoutMs, idleTimeoutMs, ...failureContext });
    // From here on a failure broke an answer that had begun.
    failureContext.answered = true;
    const headers = { [SERVED_BY_HEADER]: target.record.name };
    let readingRest = false;
    // What a stream cut short (the caller left) already gave is audited as the relay's is.
    let forwarder: StreamForwarder | undefined;
    try {
      if (answer.statusCode < 200 || answer.statusCode >= 300) {
        const text = await answerText(answer, this.options.maxAnswerBytes, llmName);
        if (mayRetryWithoutUsage && refusesStreamOptions(answer.statusCode, text)) {
          // Remembered once the server took the stream without it: a refusal of something else
          // the caller put under stream_options turns nothing off for the next callers.
          await this.#serve(call, target, outcome, false);
          this.#refusals.refused(target.record.url ?? '', this.options.clock);
          return;
        }
        const message = dialect.readErrorMessage(parseJson(text)) ?? text;
        throw upstreamStatusError(answer.statusCode, message, llmName, retryAfterOfHeaders(answer.headers, this.options.clock.now().getTime()));
      }
      // A server remembered as refusing took the field the caller sent itself: it takes it now.
      if (!askUsage && streaming && asksForUsage(call.request)) this.#refusals.accepted(target.record.url ?? '');
      if (!streaming) {
        const text = await answerText(answer, this.options.maxAnswerBytes, llmName);
        const completion = dialect.readCompletion(parseJson(text), text, context);
        outcome.usage = completion.usage;
        if (call.collectContent) {
          outcome.content = completionText(completion.json);
          outcome.toolCalls = completionToolCalls(completion.json);
        }
        call.caller.sendJson(completion.json, headers);
        return;
      }
      // A server that ignores `stream` answers whole: read before the stream opens, so an answer
      // that is not a completion still gets its status.
      const wholeType = wholeAnswerType(answer.headers['content-type']);
      const whole = wholeType === undefined ? undefined : await wholeAnswerParts(wholeType, () => answerText(answer, this.options.maxAnswerBytes, llmName), dialect, context);
      const sink = call.caller.openStream(headers);
      forwarder = new StreamForwarder(sink, this.options.clock, {
        collectContent: call.collectContent,
        secrets: () => credentialsOf(target),
        source: context.source,
      });
      if (whole) {
        forwarder.accept(whole);
      } else if (await pipe({ answer, sink, decoder: dialect.createStreamDecoder(context), forwarder }, this.#hold, failureContext)) {
        readingRest = true;
        answer.readRest(this.options.clock);
      }
      outcome.usage = forwarder.usage;
      outcome.firstTokenAt = forwarder.firstTokenAt;
      outcome.content = forwarder.content;
      outcome.toolCalls = forwarder.toolCalls;
      if (forwarder.outcome && !forwarder.outcome.ok) {
        outcome.status = 502;
        outcome.error = forwarder.outcome.message;
      }
    } catch (error) {
      outcome.usage ??= forwarder?.usage;
      outcome.firstTokenAt ??= forwarder?.firstTokenAt;
      throw upstreamFailure(error, failureContext);
    } finally {
      if (!readingRest) answer.cut();
    }
  }

  /** SPEC §9 at request time: an IP literal is refused here, a name as its connection opens. */
  async #dispatcherFor(target: InferenceTarget, call: InferenceCall): Promise<Dispatcher> {
    const { ownerId } = target.record;
    // The caller's own grants are at hand when it owns the LLM: no lookup on the request path.
    const ownerIsAdmin = ownerId !== null && ownerId === call.principal.userId ? call.principal.admin : await this.options.ownerIsAdmin(ownerId);
    if (ownerIsAdmin) return this.options.dispatcher;
    const refused = this.options.guard.checkHost(new URL(target.record.url ?? '').hostname);
    if (refused) throw badGateway(`cannot reach the upstream of ${target.record.name}: ${refused.message}`);
    return this.options.guardedDispatcher;
  }
}

/** One streamed answer on its way: the upstream's body, its decoder, and the caller it is written to. */
interface StreamRoute {
  answer: UpstreamAnswer;
  decoder: StreamDecoder;
  forwarder: StreamForwarder;
  sink: CallerSink;
}

interface StreamHold {
  clock: Clock;
  idleTimeoutMs: number;
  maxFrameBytes: number;
}

/**
 * Writes the upstream's stream to the caller, each read as it arrives, pausing the upstream
 * while the caller's socket is full; a caller whose socket stays full for `idleTimeoutMs` has its
 * answer cut, as an upstream silent that long would. Answers true when the answer ended well
 * before the body did (`[DONE]` came, the end of the HTTP message had not): the rest is then
 * read in the background so the connection can be reused.
 */
async function pipe(
  { answer, decoder, forwarder, sink }: StreamRoute,
  hold: StreamHold,
  failureContext: { signal: CancelSignal; llmName: string; answered: boolean },
): Promise<boolean> {
  const splitter = new SseSplitter(hold.maxFrameBytes);
  let cancelHold: (() => void) | undefined;
  const resume = () => {
    cancelHold?.();
    cancelHold = undefined;
    answer.resume();
  };
  const giveUp = () => {
    const seconds = Math.round(hold.idleTimeoutMs / 1000);
    answer.cut(badGateway(`the caller's connection stayed full for ${seconds} s; the answer was cut`));
  };
  const accept = (frames: SseFrame[]): boolean => {
    const parts: StreamPart[] = [];
    for (const frame of frames) if (frame.type === 'event') parts.push(...decoder.decode(frame));
    return forwarder.accept(parts);
  };
  try {
    const how = await answer.read((bytes) => {
      if (accept(splitter.push(bytes))) return false;
      if (sink.full && !cancelHold) {
        answer.pause();
        cancelHold = hold.clock.after(hold.idleTimeoutMs, giveUp);
        sink.onDrain(resume);
      }
      return true;
    });
    // An answer that ended in an error frame stops the upstream's generation: its body is cut.
    if (how === 'stopped') return forwarder.outcome?.ok === true;
    if (!accept(splitter.end()) && !forwarder.accept(decoder.end())) forwarder.sourceEnded();
  } catch (error) {
    const failure = upstreamFailure(error, failureContext);
    if (failure instanceof CallerGoneError) throw failure;
    forwarder.fail(failure.message);
  } finally {
    cancelHold?.();
  }
  return false;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What mcpd sends the upstream that its own words may quote back: the key, and the URL's credentials. */
function credentialsOf(target: InferenceTarget): Array<string | null | undefined> {
  return [target.apiKey, ...urlSecrets(target.record.url)];
}
