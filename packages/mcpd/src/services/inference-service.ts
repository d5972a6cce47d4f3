import type { NewAuditRecordRow } from '@mcpctl/db';
import type { Clock } from '@mcpctl/clock';
import type { Dispatcher, Slot } from '../dispatch/dispatcher.js';
import { badRequest, echo, HttpError, NoOtherMemberError, serviceUnavailable, unauthorized } from '../errors.js';
import type { McpdMetrics } from '../metrics.js';
import type { AuditWriter } from './audit-writer.js';
import type { InferenceFailure, InferenceFailureLog } from './inference-failure-log.js';
import type { RecentRevocations } from './recent-revocations.js';
import type { ShutdownGate } from './shutdown-gate.js';
import { unknownModel } from './model-list-service.js';
import { CuttableCaller } from '../inference/cuttable-caller.js';
import { OPEN_AI_ENDPOINT, type InferenceBackend, type InferenceCall, type InferenceOutcome } from '../inference/inference-backend.js';
import type { HopGuard } from '../inference/hop-guard.js';
import { KeepaliveCaller } from '../inference/keepalive-caller.js';
import { StreamForwarder } from '../inference/stream-forwarder.js';
import type { Principal } from '../rbac/principal.js';
import { CallerGoneError } from '../inference/upstream-call.js';

export type { InferenceCall } from '../inference/inference-backend.js';

/** HTTP 499 as nginx uses it: the client closed the request before the answer. */
export const CALLER_GONE_STATUS = 499;

/** Failures of a member before its first byte that another pool member may not share. */
const RETRIED_STATUSES = new Set([502, 503]);
/** mcpd's own answer when an upstream or a publisher did not answer in time. */
const TIMEOUT_STATUS = 504;

/** Seconds a caller cut off by a shutdown should wait before trying again. */
const SHUTDOWN_RETRY_AFTER_SECONDS = 5;
const TOKEN_EXPIRED = 'the token this request came with expired while it was answered';

interface Outcome extends InferenceOutcome {
  queueMs: number | null;
  /** The failure was a model server's or a publisher's, whatever its status. */
  upstreamFailure?: boolean;
}

/** A request refused before it became an inference, as its audit record and metrics need it. */
export interface InferenceRefusal {
  principal: Principal;
  /** The LLM or pool it named, or `-` when it named none that could be read. */
  name: string;
  /** The agent it asked to chat with. */
  agentName?: string | undefined;
  endpoint: string;
  streaming: boolean;
  status: number;
  error: string;
  latencyMs: number;
  requestId: string;
}

export interface InferenceServiceOptions {
  clock: Clock;
  /** A streaming caller whose answer has not started hears `: waiting` this often. */
  streamKeepaliveMs: number;
  /** Where an upstream's or a publisher's failure is logged. */
  failures: InferenceFailureLog;
  /** Tokens revoked and users deleted lately: their calls end (`cutRevoked`), and new ones are refused. */
  revocations: RecentRevocations;
}

/** A call being answered, as a shutdown or a revocation sees it. */
interface RunningCall {
  caller: CuttableCaller;
  principal: Principal;
  /** True once a member's slot is held: the call is being served, not queued. */
  started: boolean;
}

/** Serves one chat completion: dispatch to a member, hand it to its backend, audit. */
export class InferenceService {
  readonly #calls = new Set<RunningCall>();
  #drainWaiters: Array<() => void> = [];

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly backends: { public: InferenceBackend; virtual: InferenceBackend },
    private readonly audit: AuditWriter,
    private readonly metrics: McpdMetrics,
    private readonly shutdown: ShutdownGate,
    private readonly hops: HopGuard,
    private readonly options: InferenceServiceOptions,
  ) {}

  /** Answers the caller; resolves with what happened (for the audit, and a thread to store). */
  async run(call: InferenceCall): Promise<InferenceOutcome> {
    // A thread is an agent's (its chat takes `threadId` out first): for anything else nothing
    // would be kept, and the field would go on to a model server that does not know it.
    if (call.request.threadId !== undefined) {
      throw badRequest(`threadId continues a conversation with an agent, and ${echo(call.name)} is not an agent you may chat with: send the whole conversation in messages, or name an agent as the model`);
    }
    const { clock, streamKeepaliveMs } = this.options;
    const keepalive = call.request.stream === true ? new KeepaliveCaller(call.caller, clock, streamKeepaliveMs) : undefined;
    const startedAt = clock.monotonic();
    const at = clock.now();
    const outcome: Outcome = { status: 200, servedBy: null, usage: undefined, firstTokenAt: undefined, error: undefined, queueMs: null };
    const running: RunningCall = { caller: new CuttableCaller(keepalive ?? call.caller), principal: call.principal, started: false };
    this.metrics.inFlight.inc();
    this.#calls.add(running);
    // A token that expires while it is answered ends the call then, as a revocation would now.
    const { tokenExpiresAt } = call.principal;
    const stopExpiry = tokenExpiresAt === null ? undefined : clock.after(tokenExpiresAt - at.getTime(), () => running.caller.cut(unauthorized(TOKEN_EXPIRED)));
    try {
      this.assertAccepting();
      this.#assertNotRevoked(call.principal);
      await this.#serve({ ...call, caller: running.caller }, outcome, running, () => keepalive?.answerStarted ?? call.caller.streaming);
    } catch (caught) {
      // A call mcpd cut off answers why, not "the caller disconnected".
      const error = running.caller.cutBy ?? caught;
      outcome.status = error instanceof CallerGoneError ? CALLER_GONE_STATUS : error instanceof HttpError ? error.statusCode : 500;
      outcome.error = (error as Error).message;
      if (error instanceof HttpError && error.upstreamFailure) outcome.upstreamFailure = true;
      if (error instanceof CallerGoneError) return outcome;
      // Headers went out (a waking or waiting comment, or an answer mcpd cut off): only an error frame can say it now.
      // Nothing of an answer went out yet (comments only): the frame says the status it would have had.
      const answered = keepalive?.answerStarted !== false;
      if (call.caller.streaming) new StreamForwarder(call.caller.openStream({}), clock).fail(outcome.error, answered ? undefined : outcome.status);
      else throw error;
    } finally {
      stopExpiry?.();
      keepalive?.stop();
      this.metrics.inFlight.dec();
      this.#calls.delete(running);
      this.#record(call, at, startedAt, outcome);
      if (this.#calls.size === 0) for (const wake of this.#drainWaiters.splice(0)) wake();
    }
    return outcome;
  }

  /** One retry on another member when a pool member fails before the answer started. */
  async #serve(call: InferenceCall, outcome: Outcome, running: RunningCall, answerStarted: () => boolean): Promise<void> {
    this.hops.admit(call.hops ?? []);
    const failed = new Set<string>();
    let first: { error: HttpError; pool: string; failure: InferenceFailure } | undefined;
    for (let attempt = 0; ; attempt += 1) {
      let slot: Slot;
      try {
        slot = await this.#acquire(call, failed, outcome);
      } catch (error) {
        // No other member to ask: the call's failure, logged with it, is the first member's. Any
        // other end of the wait (the rest offline, a full line, the caller gone) is not an
        // upstream's, so the first member's failure is logged on its own.
        if (first && !(error instanceof NoOtherMemberError)) this.options.failures.note(first.failure);
        throw first ? poolFailure(first, error) : error;
      }
      // The caller gets another member's answer; the log still says the first one failed.
      if (first) this.options.failures.note({ ...first.failure, retried: true });
      if (call.caller.signal.aborted) {
        slot.release();
        throw new CallerGoneError();
      }
      running.started = true;
      // Given a slot at once, it waited 0 ms: the record says so (null is for calls never given one that did not wait).
      outcome.queueMs ??= 0;
      outcome.servedBy = slot.target.record.name;
      try {
        await this.backends[slot.target.record.kind].serve(call, slot.target, outcome);
        this.dispatcher.memberServed(slot.target.record.id);
        return;
      } catch (error) {
        const failedBeforeAnswer = slot.pooled && !answerStarted() && error instanceof HttpError;
        const memberFailed = failedBeforeAnswer && RETRIED_STATUSES.has(error.statusCode);
        if (!memberFailed) {
          // A member that timed out is not asked again for this call, whose caller waited out the
          // whole timeout already. A stream's head comes at once from a working server, so one that
          // timed out hangs: the next callers try the pool's other members first, or every other
          // one would wait the timeout out too. A whole answer's head comes with its end, so its
          // timeout may be a long generation on a healthy member, which stays in turn.
          if (failedBeforeAnswer && error.statusCode === TIMEOUT_STATUS && call.request.stream === true) this.dispatcher.memberFailed(slot.target.record.id);
          // The retry's own failure of another kind (a timeout) still says what befell the first member.
          throw first && !answerStarted() && error instanceof HttpError && error.statusCode >= 500 ? poolFailure(first, error) : error;
        }
        // The pool's other members go first for a while, so the next callers do not wait on it too.
        this.dispatcher.memberFailed(slot.target.record.id);
        if (first) throw poolFailure(first, error);
        failed.add(slot.target.record.id);
        const failure: InferenceFailure = {
          llmName: call.name,
          servedBy: slot.target.record.name,
          status: error.statusCode,
          error: error.message,
          streaming: call.request.stream === true,
          upstreamFailure: error.upstreamFailure,
          requestId: call.requestId,
        };
        first = { error, pool: slot.target.record.poolName ?? call.name, failure };
      } finally {
        slot.release();
      }
    }
  }

  #acquire(call: InferenceCall, exclude: ReadonlySet<string>, outcome: Outcome): Promise<Slot> {
    const streaming = call.request.stream === true;
    return this.dispatcher.acquire({
      principal: call.principal,
      name: call.name,
      signal: call.caller.signal,
      waitForOfflineMs: call.waitSeconds === undefined ? undefined : call.waitSeconds * 1000,
      exclude,
      // A caller of the OpenAI face named a `model`; an agent's own LLM gone is the agent's to explain.
      unknownName: call.endpoint === OPEN_AI_ENDPOINT && call.agentName === undefined ? unknownModel : undefined,
      onWaking: streaming
        ? (llmName, elapsedMs) => call.caller.openStream({}).write(`: waking ${llmName} ${Math.round(elapsedMs / 1000)}s\n\n`)
        : undefined,
      onWaited: (ms) => {
        outcome.queueMs = (outcome.queueMs ?? 0) + ms;
      },
    });
  }

  /** Throws 503 while mcpd drains for a shutdown (for callers that do work before `run`). */
  assertAccepting(): void {
    this.shutdown.assertAccepting('new requests');
  }

  /** Calls being answered or waiting for a member. */
  get inFlight(): number {
    return this.#calls.size;
  }

  /**
   * A shutdown began: calls still waiting for a member get 503 at once. Nothing was sent
   * anywhere for them yet, so a retry (on another replica, or after the restart) is safe.
   */
  releaseQueued(): void {
    for (const running of this.#calls) {
      if (!running.started) running.caller.cut(serviceUnavailable('mcpd is shutting down; retry shortly', SHUTDOWN_RETRY_AFTER_SECONDS));
    }
  }

  /**
   * The shutdown deadline passed: every call still running ends now, a stream with an explicit
   * error frame, a call whose answer has not started with 503.
   */
  cutAll(): void {
    for (const running of this.#calls) {
      running.caller.cut(serviceUnavailable('mcpd shut down before the answer finished', SHUTDOWN_RETRY_AFTER_SECONDS));
    }
  }

  /**
   * Access was taken away (a token revoked, a user deleted): the calls made with it end now, as a
   * shutdown's do, a stream with an error frame and an answer not started with 401, so a leaked
   * token's long generation stops with the revocation instead of at the upstream's own limit.
   */
  cutRevoked(): void {
    for (const running of this.#calls) {
      const refusal = this.options.revocations.refusal(running.principal);
      if (refusal !== undefined) running.caller.cut(unauthorized(refusal));
    }
  }

  /**
   * A request authenticated just before its token was revoked (or its user deleted) that reaches
   * here after it, a chat turn that waited behind another turn of its thread say, is refused as
   * the revocation would have cut it.
   */
  #assertNotRevoked(principal: Principal): void {
    const refusal = this.options.revocations.refusal(principal);
    if (refusal !== undefined) throw unauthorized(refusal);
  }

  /** Resolves true once no inference is in flight, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.#calls.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const cancelTimer = this.options.clock.after(timeoutMs, () => resolve(false));
      this.#drainWaiters.push(() => {
        cancelTimer();
        resolve(true);
      });
    });
  }

  /**
   * The audit record and metrics of a request refused before it became an inference (the per-user
   * cap, a malformed body, an agent or thread the caller may not use), which `run` never saw.
   */
  recordRefusal(refusal: InferenceRefusal): void {
    const { principal, name, status, latencyMs, error } = refusal;
    this.#write({
      at: new Date(this.options.clock.now().getTime() - latencyMs),
      userId: principal.userId,
      userName: principal.userName,
      llmName: name,
      servedBy: null,
      endpoint: refusal.endpoint,
      streaming: refusal.streaming,
      status,
      latencyMs,
      firstTokenMs: null,
      queueMs: null,
      promptTokens: null,
      completionTokens: null,
      error,
      agentName: refusal.agentName ?? null,
      requestId: refusal.requestId,
    });
  }

  /** An inference's audit record, and its metrics read from the same record. `served`: a member answered it, so its name needs no lookup. */
  #write(entry: NewAuditRecordRow, served = false): void {
    const { llmName: name, status, latencyMs, firstTokenMs = null, queueMs = null } = entry;
    this.metrics.observeInference({ name, status, latencyMs, firstTokenMs, queueMs, served });
    this.audit.record(entry);
  }

  #record(call: InferenceCall, at: Date, startedAt: number, outcome: Outcome): void {
    call.onRecorded?.();
    const latencyMs = this.options.clock.monotonic() - startedAt;
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
      agentName: call.agentName ?? null,
      requestId: call.requestId ?? null,
    };
    this.#write(entry, outcome.servedBy !== null);
    // Only a failure carries an error: an answer that went well makes nothing here.
    if (outcome.error !== undefined) {
      this.options.failures.note({
        llmName: call.name,
        servedBy: outcome.servedBy,
        status: outcome.status,
        error: outcome.error,
        streaming: entry.streaming,
        ...(outcome.upstreamFailure ? { upstreamFailure: true } : {}),
        requestId: call.requestId,
      });
    }
  }
}

/**
 * The retry on another member failed too (or found none to ask): the caller hears both members'
 * failures, the first one's included, under the status of the second. Anything that is not an
 * HTTP failure (the caller left) passes as it is.
 */
function poolFailure(first: { error: HttpError; pool: string }, second: unknown): unknown {
  if (second instanceof NoOtherMemberError) {
    return new HttpError(first.error.statusCode, `no member of pool ${first.pool} could answer: ${first.error.message}; it has no other member to ask`, {
      cause: first.error,
      ...(first.error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: first.error.retryAfterSeconds }),
      upstreamFailure: first.error.upstreamFailure,
    });
  }
  if (!(second instanceof HttpError)) return second;
  return new HttpError(second.statusCode, `no member of pool ${first.pool} could answer: ${first.error.message}; then ${second.message}`, {
    cause: second,
    ...(second.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: second.retryAfterSeconds }),
    upstreamFailure: second.upstreamFailure,
  });
}
