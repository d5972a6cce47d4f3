import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { settledWithin, systemClock, type Clock } from '@mcpctl/clock';
import { isLastResult, providerTaskReadSchema, retryAfterSecondsOf, type TaskErrorResult, type TaskResult, type TaskWholeResult, type WakeResultBody } from '@mcpctl/protocol';
import { McplocalError, ProviderUnavailableError, refusesTheRequest, type ProviderError } from '../errors.js';
import type { ChannelFrame, PostedResult, ResultDelivery } from './control-channel.js';
import type { ProviderToPublish, RegistrarLog } from './registrar-options.js';
import { ProviderSlots } from './provider-slots.js';
import { relayedErrorMessage, withoutLocalAddresses } from './relayed-error.js';
import { maskSecrets, providerSecrets } from '../provider-secrets.js';
import type { CompletionIdentity } from './completion-identity.js';
import { runInferTask, type TaskScope } from './run-infer-task.js';
import { runInferTaskAwake } from './run-infer-task-awake.js';
import type { WakeHandler } from './wake-handler.js';

export interface TaskHandlerOptions {
  /** Published name → what serves it; tasks name the published name. */
  providers: ReadonlyMap<string, ProviderToPublish>;
  /**
   * Sends one result of a task to mcpd; rejects when it could not be delivered. `signal` is the
   * task's own: hundreds of tasks in flight must not all hang a listener on one shared signal.
   */
  post(taskId: string, result: TaskResult, signal: AbortSignal): PostedResult;
  wake: WakeHandler;
  log: RegistrarLog;
  /** Dates completions and times tasks. Default: the system clock. */
  clock?: Clock | undefined;
  /** Suffix of completion ids. Default a random UUID without dashes. */
  newId?: () => string;
  /** The providers' turns, shared with the local endpoint. Default: the tasks' own. */
  slots?: ProviderSlots | undefined;
}

/** The abort reason of every ended task: one instance, since it is never shown and a new error per task would take a stack each. */
const TASK_OVER = new McplocalError('the task is over');

interface RunningTask {
  controller: AbortController;
  done: Promise<void>;
  /** Its last result (an answer, `[DONE]`, its own failure) has been posted: it is ending by itself. */
  answered: boolean;
  /** Posts the task's last result, under `signal` rather than the task's own (which its end aborts). */
  fail(result: TaskErrorResult, signal: AbortSignal): PostedResult;
}

/**
 * The task side of the provider channel: takes `task` frames as they arrive, runs each one
 * concurrently with the others, and keeps one AbortController per running task so `cancel`, a
 * result refused by mcpd, and `stop` all reach the local call. A bad frame is logged and skipped.
 */
export class TaskHandler {
  private readonly running = new Map<string, RunningTask>();
  private readonly slots: ProviderSlots;
  private readonly clock: Clock;
  /** While set, new infer and wake tasks get its answer instead of running. */
  private refusal: (() => TaskErrorResult) | undefined;
  private readonly newId: () => string;

  constructor(private readonly options: TaskHandlerOptions) {
    this.clock = options.clock ?? systemClock;
    this.slots = options.slots ?? new ProviderSlots(new Map([...options.providers.values()].map((entry) => [entry.provider.name, entry.maxConcurrent])));
    this.newId = options.newId ?? (() => randomUUID().replaceAll('-', ''));
  }

  /** Tasks started and not yet ended. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Takes one `task` frame, its data read as JSON already when the transport did (see {@link ChannelFrame}); never throws. */
  handleFrame(frame: ChannelFrame): void {
    if (frame.value !== undefined) return this.handleTask(frame.value);
    let json: unknown;
    try {
      json = JSON.parse(frame.data);
    } catch {
      this.options.log.warn('ignored a task frame that is not JSON');
      return;
    }
    this.handleTask(json);
  }

  private handleTask(json: unknown): void {
    const parsed = providerTaskReadSchema.safeParse(json);
    if (!parsed.success) {
      const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
      const known = kind === 'infer' || kind === 'wake' || kind === 'cancel';
      this.options.log.warn(
        known ? `ignored a malformed ${kind} task frame: ${parsed.error.issues[0]?.message ?? 'invalid'}` : `ignored a task of unknown kind ${JSON.stringify(kind)}`,
      );
      return;
    }
    const task = parsed.data;
    if (task.kind !== 'cancel' && this.refusal) {
      const refusal = this.refusal();
      // Posted as a task of its own, so that stop() waits for it as for any other.
      this.start(task.taskId, task.llmName, task.kind, async (_entry, scope) => {
        await scope.post(refusal);
      });
      return;
    }
    switch (task.kind) {
      case 'cancel':
        this.running.get(task.taskId)?.controller.abort(new McplocalError('mcpd cancelled the task'));
        return;
      case 'infer':
        this.start(task.taskId, task.llmName, 'infer', async (entry, scope) => {
          const release = await this.slots.acquire(entry.provider.name, scope.signal);
          try {
            await (entry.wake === undefined ? runInferTask(task, entry, scope) : runInferTaskAwake(task, entry, scope, this.options.wake, this.options.log));
          } finally {
            release();
          }
        });
        return;
      case 'wake':
        this.start(task.taskId, task.llmName, 'wake', async (entry, scope) => {
          const { ms } = await this.options.wake.wake({ llmName: task.llmName, entry, signal: scope.signal });
          await scope.post({ status: 200, body: { ok: true, ms } satisfies WakeResultBody });
        });
        return;
    }
  }

  /**
   * Answers new infer and wake tasks at once with what `refusal` says when each arrives, until
   * {@link acceptTasks}, while the running ones go on and cancels still reach them: the session
   * is ending, and a task that started now might be cut before its answer is.
   */
  refuseTasks(refusal: () => TaskErrorResult): void {
    this.refusal = refusal;
  }

  /** Runs new tasks again. */
  acceptTasks(): void {
    this.refusal = undefined;
  }

  /** Aborts every running task's local call; their results are not posted. */
  abortAll(reason: Error): void {
    for (const task of this.running.values()) task.controller.abort(reason);
  }

  /**
   * Ends every running task with `result` posted to mcpd, so each caller hears why (mcplocal is
   * stopping) rather than that the publisher dropped; then aborts its local call with `reason`.
   * Resolves once the posts were taken, or after `waitMs` whatever became of them.
   */
  async failAll(result: TaskErrorResult, reason: Error, waitMs: number): Promise<void> {
    const tasks = [...this.running.values()];
    if (tasks.length === 0) return;
    // The posts a stop could not deliver in time are given up with it.
    const deadline = new AbortController();
    // Every post of the stop listens to it: more than Node's default of ten is no leak.
    setMaxListeners(0, deadline.signal);
    const waits = tasks.map((task) => {
      // A task whose last result is on its way keeps it: the stop waits for it instead.
      if (task.answered) return task.done;
      // A post that throws at once is a rejection like any other: the stop goes on.
      const delivery = Promise.resolve().then(() => task.fail({ ...result }, deadline.signal));
      task.controller.abort(reason);
      return delivery;
    });
    await settledWithin(this.clock, waitMs, waits);
    deadline.abort(reason);
  }

  /** Resolves once every task started so far has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((task) => task.done));
  }

  private start(
    taskId: string,
    llmName: string,
    kind: string,
    work: (entry: ProviderToPublish, scope: TaskScope) => Promise<void>,
  ): void {
    if (this.running.has(taskId)) {
      this.options.log.warn(`ignored a repeated ${kind} task for ${llmName}: it is already running`);
      return;
    }
    const controller = new AbortController();
    const running: RunningTask = { controller, done: Promise.resolve(), answered: false, fail: (result, signal) => post(result, signal) };
    // Numbered so that mcpd takes a result posted again after a failed connection only once.
    let seq = 0;
    // Numbered in place, not copied: a stream posts one per chunk, and results come in several
    // shapes, which makes a copy of each the slow, generic kind. Every post is a new object.
    const post = (result: TaskResult, signal: AbortSignal = controller.signal) => {
      result.seq = seq += 1;
      if (isLastResult(result)) running.answered = true;
      return this.options.post(taskId, result, signal);
    };
    const noteDelivery = (delivery: ResultDelivery): ResultDelivery => {
      // mcpd answered or gave up on this task already: the local call has nobody to answer.
      if (delivery === 'gone') controller.abort(new McplocalError('mcpd no longer wants this task'));
      return delivery;
    };
    const scope: TaskScope = {
      signal: controller.signal,
      post: (result) => {
        const delivery = post(result);
        return typeof delivery === 'string' ? noteDelivery(delivery) : delivery.then(noteDelivery);
      },
      identity: new TaskIdentity(this.newId, Math.floor(this.clock.now().getTime() / 1000), llmName),
    };
    const done = this.run(taskId, kind, llmName, scope, post, controller, work).finally(() => {
      // Whatever of the task still listens stops now.
      controller.abort(TASK_OVER);
      this.running.delete(taskId);
    });
    running.done = done;
    this.running.set(taskId, running);
  }

  private async run(
    taskId: string,
    kind: string,
    llmName: string,
    scope: TaskScope,
    post: (result: TaskResult) => PostedResult,
    controller: AbortController,
    work: (entry: ProviderToPublish, scope: TaskScope) => Promise<void>,
  ): Promise<void> {
    const startedAt = this.clock.monotonic();
    const entry = this.options.providers.get(llmName);
    try {
      if (!entry) throw new McplocalError(`unknown LLM ${llmName}`);
      await work(entry, scope);
      if (controller.signal.aborted) {
        this.options.log.info(`${kind} task for ${llmName} stopped: ${reasonOf(controller.signal)}`);
      } else {
        // One per request: mcpd audits every answer, and a line each would cost a busy workstation more than the relay.
        this.options.log.debug?.(`${kind} task for ${llmName} done in ${Math.round(this.clock.monotonic() - startedAt)} ms`);
      }
    } catch (error) {
      if (controller.signal.aborted) {
        this.options.log.info(`${kind} task for ${llmName} stopped: ${reasonOf(controller.signal)}`);
        return;
      }
      // An upstream refusing the provider's key may quote it: masked here too, logs are no place for it.
      const secrets = providerSecrets(entry?.url, entry?.apiKey);
      const message = maskSecrets(error instanceof Error ? error.message : String(error), secrets);
      // The whole story stays here; mcpd and its callers get it without the workstation's addresses.
      this.options.log.warn(`${kind} task for ${llmName} failed: ${message}`);
      const localAddresses = [entry?.url, entry?.wake?.type === 'http' ? entry.wake.url : undefined];
      try {
        await post(
          refusesTheRequest(error)
            ? refusalAnswer(error, localAddresses, secrets)
            : { error: relayedErrorMessage(message, llmName, localAddresses, secrets, entry?.provider.name), ...retryAfterOf(error) },
        );
      } catch (postError) {
        this.options.log.warn(`could not report the failure of ${kind === 'infer' ? 'an' : 'a'} ${kind} task for ${llmName} to mcpd: ${postError instanceof Error ? postError.message : String(postError)}`);
      }
    }
  }
}

/**
 * A local server's refusal of the request itself goes up as its answer: the status, the server's
 * words without the workstation's addresses, and its `Retry-After` in whole seconds. mcpd then
 * answers the caller with that status, as it does for a public LLM's upstream; a failure result
 * would be a 502, which clients retry, sending a prompt too long for the model three times.
 */
function refusalAnswer(error: ProviderError, localAddresses: ReadonlyArray<string | undefined>, secrets: ReadonlyArray<string | undefined>): TaskWholeResult {
  // The server's own words; a refusal mcplocal made itself (a dialect that cannot say `n: 2`) has its own.
  const said = withoutLocalAddresses(error.serverMessage ?? error.message, localAddresses, secrets);
  const seconds = retryAfterSecondsOf(error.retryAfter);
  return { status: error.status, body: { error: { message: said } }, ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }) };
}

/** When a failure says it passes (a managed server that keeps crashing, a failed wake): mcpd's 503 carries it on. */
function retryAfterOf(error: unknown): { retryAfterSeconds?: number } {
  if (!(error instanceof ProviderUnavailableError) || error.retryAfterSeconds === undefined) return {};
  return { retryAfterSeconds: Math.min(86_400, Math.max(1, Math.ceil(error.retryAfterSeconds))) };
}

function reasonOf(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : 'aborted';
}

/**
 * A task's completion identity, its id drawn when first read: a relay that passes the server's
 * own chunks on never reads it, and a random id per task is not free.
 */
class TaskIdentity implements CompletionIdentity {
  #id: string | undefined;

  constructor(
    private readonly newId: () => string,
    readonly created: number,
    readonly model: string,
  ) {}

  get id(): string {
    this.#id ??= `chatcmpl-${this.newId()}`;
    return this.#id;
  }
}
