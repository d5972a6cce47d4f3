import type { NewAuditRecordRow } from '@mcpctl/db';
import type { Dispatcher, Slot } from '../dispatch/dispatcher.js';
import { HttpError } from '../errors.js';
import type { McpdMetrics } from '../metrics.js';
import type { AuditWriter } from '../services/audit-writer.js';
import type { InferenceBackend, InferenceCall, InferenceOutcome } from './inference-backend.js';
import type { HopGuard } from './hop-guard.js';
import { StreamForwarder } from './stream-forwarder.js';
import { CallerGoneError } from './upstream-call.js';

export type { InferenceCall } from './inference-backend.js';

/** HTTP 499 as nginx uses it: the client closed the request before the answer. */
const CALLER_GONE_STATUS = 499;

/** Failures of a member before its first byte that another pool member may not share. */
const RETRIED_STATUSES = new Set([502, 503]);

interface Outcome extends InferenceOutcome {
  queueMs: number | null;
}

/** Serves one chat completion: dispatch to a member, hand it to its backend, audit. */
export class InferenceService {
  #inFlight = 0;
  #drainWaiters: Array<() => void> = [];

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly backends: { public: InferenceBackend; virtual: InferenceBackend },
    private readonly audit: AuditWriter,
    private readonly metrics: McpdMetrics,
    private readonly hops: HopGuard,
  ) {}

  /** Answers the caller; resolves with what happened (for the audit, and a thread to store). */
  async run(call: InferenceCall): Promise<InferenceOutcome> {
    const startedAt = performance.now();
    const at = new Date();
    const outcome: Outcome = { status: 200, servedBy: null, usage: undefined, firstTokenAt: undefined, error: undefined, queueMs: null };
    this.metrics.inFlight.inc();
    this.#inFlight += 1;
    try {
      await this.#serve(call, outcome);
    } catch (error) {
      outcome.status = error instanceof CallerGoneError ? CALLER_GONE_STATUS : error instanceof HttpError ? error.statusCode : 500;
      outcome.error = (error as Error).message;
      if (error instanceof CallerGoneError) return outcome;
      // Headers went out with a waking notice: the failure can only be an error frame now.
      if (call.caller.streaming) new StreamForwarder(call.caller.openStream({}), () => 0).fail(outcome.error);
      else throw error;
    } finally {
      this.metrics.inFlight.dec();
      this.#inFlight -= 1;
      this.#record(call, at, startedAt, outcome);
      if (this.#inFlight === 0) for (const wake of this.#drainWaiters.splice(0)) wake();
    }
    return outcome;
  }

  /** One retry on another member when a pool member fails before its first byte. */
  async #serve(call: InferenceCall, outcome: Outcome): Promise<void> {
    this.hops.admit(call.hops ?? []);
    const failed = new Set<string>();
    for (let attempt = 0; ; attempt += 1) {
      const slot = await this.#acquire(call, failed);
      outcome.queueMs = (outcome.queueMs ?? 0) + slot.queueMs;
      outcome.servedBy = slot.target.record.name;
      try {
        await this.backends[slot.target.record.kind].serve(call, slot.target, outcome);
        return;
      } catch (error) {
        const retry = slot.pooled && attempt === 0 && !call.caller.streaming && error instanceof HttpError && RETRIED_STATUSES.has(error.statusCode);
        if (!retry) throw error;
        failed.add(slot.target.record.id);
      } finally {
        slot.release();
      }
    }
  }

  #acquire(call: InferenceCall, exclude: ReadonlySet<string>): Promise<Slot> {
    const streaming = call.request.stream === true;
    return this.dispatcher.acquire({
      principal: call.principal,
      name: call.name,
      signal: call.caller.signal,
      waitForOfflineMs: call.waitSeconds === undefined ? undefined : call.waitSeconds * 1000,
      exclude,
      onWaking: streaming
        ? (llmName, elapsedMs) => call.caller.openStream({}).write(`: waking ${llmName} ${Math.round(elapsedMs / 1000)}s\n\n`)
        : undefined,
    });
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
      queueMs: outcome.queueMs,
      promptTokens: outcome.usage?.prompt_tokens ?? null,
      completionTokens: outcome.usage?.completion_tokens ?? null,
      error: outcome.error ?? null,
    };
    this.audit.record(entry);
  }
}
