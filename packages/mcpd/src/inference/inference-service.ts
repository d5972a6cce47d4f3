import type { NewAuditRecordRow } from '@mcpctl/db';
import { HttpError, notFound } from '../errors.js';
import type { McpdMetrics } from '../metrics.js';
import type { AuditWriter } from '../services/audit-writer.js';
import type { InferenceTarget, LlmCatalog } from '../services/llm-catalog.js';
import { canSee } from '../services/principal.js';
import type { InferenceBackend, InferenceCall, InferenceOutcome } from './inference-backend.js';
import { CallerGoneError } from './upstream-call.js';

export type { InferenceCall } from './inference-backend.js';

/** HTTP 499 as nginx uses it: the client closed the request before the answer. */
const CALLER_GONE_STATUS = 499;

/** Serves one chat completion: resolve the name, hand it to its backend, audit. */
export class InferenceService {
  #inFlight = 0;
  #drainWaiters: Array<() => void> = [];

  constructor(
    private readonly catalog: LlmCatalog,
    private readonly backends: { public: InferenceBackend; virtual: InferenceBackend },
    private readonly audit: AuditWriter,
    private readonly metrics: McpdMetrics,
  ) {}

  async run(call: InferenceCall): Promise<void> {
    const startedAt = performance.now();
    const at = new Date();
    const outcome: InferenceOutcome = { status: 200, servedBy: null, usage: undefined, firstTokenAt: undefined, error: undefined };
    this.metrics.inFlight.inc();
    this.#inFlight += 1;
    try {
      const target = await this.#resolve(call);
      outcome.servedBy = target.record.name;
      await this.backends[target.record.kind].serve(call, target, outcome);
    } catch (error) {
      outcome.status = error instanceof CallerGoneError ? CALLER_GONE_STATUS : error instanceof HttpError ? error.statusCode : 500;
      outcome.error = (error as Error).message;
      if (!(error instanceof CallerGoneError)) throw error;
    } finally {
      this.metrics.inFlight.dec();
      this.#inFlight -= 1;
      this.#record(call, at, startedAt, outcome);
      if (this.#inFlight === 0) for (const wake of this.#drainWaiters.splice(0)) wake();
    }
  }

  /** Resolves once no inference is in flight, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #resolve(call: InferenceCall): Promise<InferenceTarget> {
    const target = await this.catalog.find(call.name);
    if (!target || !canSee(call.principal, target.record)) throw notFound(`LLM not found: ${call.name}`);
    return target;
  }

  #record(call: InferenceCall, at: Date, startedAt: number, outcome: InferenceOutcome): void {
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
