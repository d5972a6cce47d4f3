import type { TaskResult } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { publisherUnavailable, serviceUnavailable, type HttpError } from '../errors.js';
import type { LlmRepository } from '../repositories/llm-repository.js';
import { publisherReason } from '../relay/publisher-reason.js';
import type { TaskRegistry } from '../relay/task-registry.js';
import type { TaskRouter } from '../relay/task-router.js';
import type { InferenceTarget, LlmCatalog } from '../catalog/llm-catalog.js';

export interface WakeOptions {
  /** Added to the publisher's `maxWaitSeconds` before mcpd gives up on a wake. */
  marginMs: number;
  /** Used when the publisher did not say how long its recipe may take. */
  defaultTimeoutMs: number;
}

/** Seconds a caller should wait before trying a failed wake again. */
const RETRY_AFTER_SECONDS = 30;

/**
 * One wake per LLM at a time: every request that needs a hibernating LLM waits on the same
 * `wake` task. Success flips the row to `active`; failure leaves it `hibernating`.
 */
export class WakeCoordinator {
  readonly #running = new Map<string, Promise<void>>();

  constructor(
    private readonly router: TaskRouter,
    private readonly tasks: TaskRegistry,
    private readonly llms: LlmRepository,
    private readonly catalog: LlmCatalog,
    private readonly clock: Clock,
    private readonly options: WakeOptions,
  ) {}

  isWaking(llmId: string): boolean {
    return this.#running.has(llmId);
  }

  /** How long mcpd waits on a wake of this LLM before giving up. */
  timeoutFor(target: InferenceTarget): number {
    const seconds = target.record.wakeMaxWaitSeconds;
    return seconds ? seconds * 1000 + this.options.marginMs : this.options.defaultTimeoutMs;
  }

  wake(target: InferenceTarget): Promise<void> {
    const { record } = target;
    const running = this.#running.get(record.id);
    if (running) return running;
    const wake = this.#run(target).finally(() => this.#running.delete(record.id));
    this.#running.set(record.id, wake);
    return wake;
  }

  async #run(target: InferenceTarget): Promise<void> {
    const { record } = target;
    const sessionId = record.providerSessionId;
    const ownerId = record.ownerId;
    if (!sessionId || !ownerId || !this.router.reachable(sessionId, record.status)) {
      throw serviceUnavailable(`the publisher of ${record.name} is offline`, RETRY_AFTER_SECONDS);
    }
    const timeoutMs = this.timeoutFor(target);
    const startedAt = this.clock.monotonic();
    let taskId = '';
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: HttpError) => {
        cancelTimer();
        this.tasks.finish(taskId);
        if (error) reject(error);
        else resolve();
      };
      const cancelTimer = this.clock.after(timeoutMs, () => {
        void this.router.send(sessionId, { kind: 'cancel', taskId, llmName: record.name });
        finish(failed(record.name, `no answer within ${Math.round(timeoutMs / 1000)} s`));
      });
      taskId = this.tasks.open(sessionId, ownerId, {
        // A wake answers once: its first result decides.
        results: (results: readonly TaskResult[]) => finish(wakeError(record.name, results[0])),
        publisherGone: () => finish(failed(record.name, 'the publisher disconnected')),
      });
      const sent = this.router.send(sessionId, { kind: 'wake', taskId, llmName: record.name });
      const unsent = () => finish(serviceUnavailable(`the publisher of ${record.name} is offline`, RETRY_AFTER_SECONDS));
      if (sent === false) unsent();
      else if (sent !== true) sent.then((delivered) => delivered || unsent(), unsent);
    });
    // Whole milliseconds: what a view shows, and all a wake of seconds needs.
    await this.llms.markAwake(record.id, this.clock.now(), Math.round(this.clock.monotonic() - startedAt));
    this.catalog.invalidate();
  }
}

function wakeError(name: string, result: TaskResult | undefined): HttpError | undefined {
  if (result === undefined) return failed(name, 'the publisher answered the wake with nothing');
  if ('error' in result) return failed(name, result.error, result.retryAfterSeconds);
  if ('status' in result && result.status >= 200 && result.status < 300) return undefined;
  return failed(name, 'the publisher answered the wake with something else than success');
}

/**
 * `retryAfterSeconds`: the publisher's own word on when it can serve again, else the usual guess.
 * A publisher's failure, so mcpd's log says it (`inference failed upstream`) as for a failed answer.
 */
function failed(name: string, reason: string, retryAfterSeconds = RETRY_AFTER_SECONDS): HttpError {
  return publisherUnavailable(`waking ${name} failed: ${publisherReason(reason, name)}`, retryAfterSeconds);
}
