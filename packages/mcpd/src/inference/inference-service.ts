import type { NewAuditRecordRow } from '@mcpctl/db';
import type { ChatCompletionRequest, Usage } from '@mcpctl/protocol';
import type { Dispatcher } from 'undici';
import { HttpError, notFound, serviceUnavailable } from '../errors.js';
import type { AuditWriter } from '../services/audit-writer.js';
import type { InferenceTarget, LlmCatalog } from '../services/llm-catalog.js';
import { canSee, type Principal } from '../services/principal.js';
import type { McpdMetrics } from '../metrics.js';
import { anthropicDialect } from './anthropic-dialect.js';
import type { Caller } from './caller.js';
import type { Dialect, StreamContext } from './dialect.js';
import { openAiDialect } from './open-ai-dialect.js';
import { readSse } from './read-sse.js';
import { StreamForwarder } from './stream-forwarder.js';
import { CallerGoneError, callUpstream, upstreamFailure } from './upstream-call.js';
import { upstreamStatusError } from './upstream-status.js';

export interface InferenceOptions {
  dispatcher: Dispatcher;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface InferenceCall {
  principal: Principal;
  /** The LLM name the caller asked for. */
  name: string;
  request: ChatCompletionRequest;
  /** Which API face was used, for the audit. */
  endpoint: string;
  caller: Caller;
}

/** What one inference did, for the audit and the metrics. */
interface Outcome {
  status: number;
  servedBy: string | null;
  usage: Usage | undefined;
  firstTokenAt: number | undefined;
  error: string | undefined;
}

/** HTTP 499 as nginx uses it: the client closed the request before the answer. */
const CALLER_GONE_STATUS = 499;

const DIALECTS: Record<string, Dialect> = { openai: openAiDialect, ollama: openAiDialect, anthropic: anthropicDialect };

/** Serves one chat completion: resolve the name, call the upstream, answer, audit. */
export class InferenceService {
  constructor(
    private readonly catalog: LlmCatalog,
    private readonly audit: AuditWriter,
    private readonly metrics: McpdMetrics,
    private readonly options: InferenceOptions,
  ) {}

  async run(call: InferenceCall): Promise<void> {
    const startedAt = performance.now();
    const at = new Date();
    const outcome: Outcome = { status: 200, servedBy: null, usage: undefined, firstTokenAt: undefined, error: undefined };
    this.metrics.inFlight.inc();
    try {
      const target = await this.#resolve(call);
      outcome.servedBy = target.record.name;
      await this.#callPublic(call, target, outcome);
    } catch (error) {
      outcome.status = error instanceof CallerGoneError ? CALLER_GONE_STATUS : error instanceof HttpError ? error.statusCode : 500;
      outcome.error = (error as Error).message;
      if (!(error instanceof CallerGoneError)) throw error;
    } finally {
      this.metrics.inFlight.dec();
      this.#record(call, at, startedAt, outcome);
    }
  }

  async #resolve(call: InferenceCall): Promise<InferenceTarget> {
    const target = await this.catalog.find(call.name);
    if (!target || !canSee(call.principal, target.record)) throw notFound(`LLM not found: ${call.name}`);
    if (target.record.kind === 'virtual') {
      throw serviceUnavailable(`${call.name} is published by a workstation that is not connected`, 30);
    }
    return target;
  }

  async #callPublic(call: InferenceCall, target: InferenceTarget, outcome: Outcome): Promise<void> {
    const dialect = DIALECTS[target.record.type] ?? openAiDialect;
    const streaming = call.request.stream === true;
    const context: StreamContext = {
      model: call.name,
      includeUsage: call.request.stream_options?.include_usage === true,
      created: Math.floor(Date.now() / 1000),
    };
    const upstream = dialect.buildRequest(target, call.request, streaming);
    const failureContext = { signal: call.caller.signal, llmName: call.name };
    const response = await callUpstream(upstream, { ...this.options, signal: call.caller.signal, llmName: call.name });
    const servedBy = { 'x-mcpctl-served-by': target.record.name };
    try {
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const text = await response.body.text();
        const retryAfter = response.headers['retry-after'];
        throw upstreamStatusError(response.statusCode, dialect.readErrorMessage(parseJson(text)) ?? text, call.name, typeof retryAfter === 'string' ? retryAfter : undefined);
      }
      if (!streaming) {
        const text = await response.body.text();
        const completion = dialect.readCompletion(parseJson(text), text, context);
        outcome.usage = completion.usage;
        call.caller.sendJson(completion.json, servedBy);
        return;
      }
      const forwarder = new StreamForwarder(call.caller.openStream(servedBy), () => performance.now());
      await this.#pipe(response.body, dialect, context, forwarder, failureContext);
      outcome.usage = forwarder.usage;
      outcome.firstTokenAt = forwarder.firstTokenAt;
      if (forwarder.outcome && !forwarder.outcome.ok) {
        outcome.status = 502;
        outcome.error = forwarder.outcome.message;
      }
    } catch (error) {
      throw upstreamFailure(error, failureContext);
    } finally {
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  async #pipe(
    body: AsyncIterable<Uint8Array>,
    dialect: Dialect,
    context: StreamContext,
    forwarder: StreamForwarder,
    failureContext: { signal: AbortSignal; llmName: string },
  ): Promise<void> {
    const decoder = dialect.createStreamDecoder(context);
    try {
      for await (const events of readSse(body)) {
        if (forwarder.accept(events.flatMap((event) => decoder.decode(event)))) return;
      }
      if (!forwarder.accept(decoder.end())) forwarder.sourceEnded();
    } catch (error) {
      const failure = upstreamFailure(error, failureContext);
      if (failure instanceof CallerGoneError) throw failure;
      forwarder.fail(failure.message);
    }
  }

  #record(call: InferenceCall, at: Date, startedAt: number, outcome: Outcome): void {
    const latencyMs = performance.now() - startedAt;
    this.metrics.observeInference(call.name, outcome.status, latencyMs);
    const entry: NewAuditRecordRow = {
      at,
      userId: call.principal.userId,
      userName: call.principal.userName,
      llmName: call.name,
      servedBy: outcome.servedBy,
      endpoint: call.endpoint,
      streaming: call.request.stream === true,
      status: outcome.status,
      latencyMs,
      firstTokenMs: outcome.firstTokenAt === undefined ? null : outcome.firstTokenAt - startedAt,
      queueMs: null,
      promptTokens: outcome.usage?.prompt_tokens ?? null,
      completionTokens: outcome.usage?.completion_tokens ?? null,
      error: outcome.error ?? null,
    };
    this.audit.record(entry);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
