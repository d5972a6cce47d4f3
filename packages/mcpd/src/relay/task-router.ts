import type { Clock } from '@mcpctl/clock';
import { isLastResult, type LlmStatus, type ProviderTask } from '@mcpctl/protocol';
import { HttpError, toHttpError } from '../errors.js';
import { acceptTaskResults, type ResultSource } from './accept-task-result.js';
import type { ControlChannel } from './control-channel.js';
import type { ProviderHub } from './provider-hub.js';
import type { DeliveryAnswer, RelayBus, RelayBusHandlers, ResultDelivery, TaskDelivery, TaskSendOutcome } from './relay-bus.js';
import { AWAY, taskOpener, type TaskRegistry } from './task-registry.js';
import { HolderSlots } from './holder-slots.js';

/** What an opener allows a relayed task's silence by default: `MCPD_RELAY_TIMEOUT_SECONDS`, `MCPD_UPSTREAM_IDLE_TIMEOUT_SECONDS`. */
const DEFAULT_TASK_SILENCE_LIMIT_MS = 300_000;
/** Beyond the opener's limit, before the holder takes a silent task's slot back. */
const SILENT_TASK_MARGIN_MS = 30_000;

/**
 * Where a task or a result goes: to a connection or a caller on this replica, in memory, or over
 * the bus to the replica that has it. Without a bus (one process) everything is here.
 */
export class TaskRouter {
  /** Sends waiting for their session to come back, by session. */
  readonly #awaitingAttach = new Map<string, Set<() => void>>();
  /** Among replicas: `maxConcurrent` of the sessions whose connection is here, for tasks from every replica. */
  readonly #slots: HolderSlots;
  /** Connections of sessions moving away while this replica drains: tasks that waited here for a slot still go out on them. */
  readonly #leaving = new Map<string, ControlChannel>();

  constructor(
    private readonly hub: ProviderHub,
    private readonly tasks: TaskRegistry,
    private readonly bus: RelayBus | undefined,
    private readonly clock: Clock,
    /**
     * Among replicas: how long a task whose session nobody holds waits for it to come back before
     * it fails (its replica died and its publisher is reconnecting through the balancer).
     */
    private readonly reattachWaitMs: number,
    /** Among replicas: the longest an opener lets a relayed task be silent (before its first result, or between two) before it fails it. */
    taskSilenceLimitMs = DEFAULT_TASK_SILENCE_LIMIT_MS,
  ) {
    // Past its opener's limit, and a margin for the news of its end to have come.
    this.#slots = new HolderSlots(clock, taskSilenceLimitMs + SILENT_TASK_MARGIN_MS);
    hub.onAttach((sessionId) => this.#attached(sessionId));
    if (!bus) return;
    hub.onDetach((sessionId, moving) => moving || this.#slots.dropSession(sessionId));
    // A task ends where it was opened: its slot is freed here, or on the replica that delivered it.
    tasks.onEnd((taskId, holder) => {
      if (holder === bus.replicaId) this.#slots.ended(taskId);
      else if (holder !== undefined && holder !== AWAY) bus.taskEnded(holder, taskId);
    });
  }

  /** The connection to the bus was lost: callers here waiting on another replica's publisher hear it now, not at their timeout. */
  busLost(): void {
    if (this.bus) this.tasks.failHeldElsewhere(this.bus.replicaId);
  }

  /** Whether mcpd runs as one of several replicas. */
  get clustered(): boolean {
    return this.bus !== undefined;
  }

  /**
   * Whether a session may take a task now: its connection is here, or, among replicas, its rows
   * say it is live — a row is `active` or `hibernating` only while some live replica holds its
   * session's connection, and a task that finds nobody fails at once all the same.
   */
  reachable(sessionId: string | null, status: LlmStatus): boolean {
    if (!sessionId) return false;
    if (this.hub.channel(sessionId)) return true;
    return this.bus !== undefined && status !== 'inactive';
  }

  /**
   * Sends a task to its session's connection, wherever it is; false when nobody holds it.
   * `maxConcurrent`: the LLM's, which the holder keeps among replicas.
   */
  send(sessionId: string, task: ProviderTask, maxConcurrent: number | null = null): boolean | Promise<boolean> {
    const { bus } = this;
    if (!bus) {
      const channel = this.hub.channel(sessionId);
      channel?.sendTask(task);
      return channel !== undefined;
    }
    if (this.#deliverHere(sessionId, task, maxConcurrent) !== false) {
      if (task.kind !== 'cancel') this.tasks.deliveredVia(task.taskId, bus.replicaId);
      return true;
    }
    return this.#sendOver(bus, sessionId, task, maxConcurrent);
  }

  /**
   * Among replicas, onto this replica's connection of the session: an infer task within the
   * LLM's `maxConcurrent` across every replica's callers (else it waits its turn here); a cancel
   * of a task still waiting takes it out of the line. False when the connection is not here.
   */
  #deliverHere(sessionId: string, task: ProviderTask, maxConcurrent: number | null): TaskDelivery {
    if (!this.hub.channel(sessionId)) return false;
    let waited = false;
    const deliver = () => {
      (this.hub.channel(sessionId) ?? this.#leaving.get(sessionId))?.sendTask(task);
      // A task of another replica's that waited here: its opener no longer counts it as waiting.
      if (!waited || !this.bus) return;
      const opener = taskOpener(task.taskId);
      if (opener !== undefined && opener !== this.bus.replicaId) this.bus.taskDelivered(opener, task.taskId);
    };
    if (task.kind === 'cancel') {
      if (!this.#slots.ended(task.taskId)) deliver();
      return 'delivered';
    }
    const delivery = this.#slots.admit(sessionId, task, task.kind === 'infer' ? maxConcurrent : null, deliver);
    waited = delivery === 'queued';
    return delivery;
  }

  /**
   * Over the bus. Nobody holding the session while its rows still read live means its replica
   * just died: the task waits for the publisher to reconnect somewhere (the wait is armed before
   * the first try, so a reconnection during it is not missed), then goes there. A request nobody
   * answered in time is not sent again: it may have reached a slow replica, and a publisher must
   * never run one task twice.
   */
  async #sendOver(bus: RelayBus, sessionId: string, task: ProviderTask, maxConcurrent: number | null): Promise<boolean> {
    // A cancel names the task it ends: it neither waits nor changes where that task went.
    if (task.kind === 'cancel') return (await bus.sendTask(sessionId, task)) !== 'nobody';
    const reattach = this.reattachWaitMs > 0 ? this.#reattach(sessionId) : undefined;
    // Under way: news of an old connection ending does not concern it.
    this.tasks.deliveredVia(task.taskId, AWAY);
    try {
      const first = await bus.sendTask(sessionId, task, maxConcurrent);
      if (first !== 'nobody' || !reattach) return this.#sent(task, first);
      await reattach.attached;
      // The caller may have given up meanwhile; or the publisher came back here.
      if (!this.tasks.has(task.taskId)) return false;
      if (this.#deliverHere(sessionId, task, maxConcurrent) !== false) return this.#sent(task, { holder: bus.replicaId });
      return this.#sent(task, await bus.sendTask(sessionId, task, maxConcurrent));
    } finally {
      reattach?.cancel();
    }
  }

  /**
   * Among replicas, while this one drains (a rolling restart): the session's connection, already
   * detached here, moves elsewhere without failing anything. Tasks stop coming here (one on its way
   * finds nobody and waits for the publisher's next connection, as after a replica's death); the
   * publisher is told to reconnect, through the balancer, to a replica that stays; the tasks that
   * waited here for a slot still go out on this connection. It closes once nothing more needs it:
   * over the provider socket, when every task it carried has ended (their results come up it, in
   * order); over SSE, whose results come by POST to any replica, once nothing waits. Resolves when
   * it has closed and the session is held elsewhere, or at `deadlineMs`, when it closes all the same.
   */
  async moveAway(sessionId: string, channel: ControlChannel, deadlineMs: number): Promise<void> {
    const { bus } = this;
    if (!bus) throw new Error('a connection moves away only among replicas');
    bus.releaseSession(sessionId);
    this.#leaving.set(sessionId, channel);
    const heldElsewhere = this.#reattach(sessionId);
    let cancelDeadline: () => void = () => undefined;
    let late = false;
    const deadline = new Promise<void>((resolve) => (cancelDeadline = this.clock.after(deadlineMs, () => ((late = true), resolve()))));
    try {
      channel.moveAway();
      await Promise.race([this.#slots.settled(sessionId, channel.carriesResults ? 'ended' : 'delivered'), deadline]);
      channel.close('shuttingDown');
      if (late) {
        // The shutdown deadline: what still ran or waited on this connection gets no answer now.
        this.tasks.failSession(sessionId, bus.replicaId);
        bus.sessionGone(sessionId, bus.replicaId);
      }
      await Promise.race([heldElsewhere.attached, deadline]);
    } finally {
      cancelDeadline();
      heldElsewhere.cancel();
      if (this.#leaving.get(sessionId) === channel) this.#leaving.delete(sessionId);
      if (!this.hub.channel(sessionId)) this.#slots.dropSession(sessionId);
    }
  }

  #sent(task: ProviderTask, outcome: TaskSendOutcome): boolean {
    if (typeof outcome === 'string') return false;
    this.tasks.deliveredVia(task.taskId, outcome.holder, outcome.queued === true);
    return true;
  }

  /** Resolves when the session's connection opens on any replica, or when the wait is over; `cancel` stops waiting. */
  #reattach(sessionId: string): { attached: Promise<void>; cancel(): void } {
    let cancel: () => void = () => undefined;
    const attached = new Promise<void>((resolve) => {
      const waiters = this.#awaitingAttach.get(sessionId) ?? new Set<() => void>();
      this.#awaitingAttach.set(sessionId, waiters);
      const done = () => {
        cancelTimer();
        waiters.delete(done);
        if (waiters.size === 0 && this.#awaitingAttach.get(sessionId) === waiters) this.#awaitingAttach.delete(sessionId);
        resolve();
      };
      // At the end of the wait the task tries once more, as after a reconnection.
      const cancelTimer = this.clock.after(this.reattachWaitMs, done);
      waiters.add(done);
      cancel = done;
    });
    return { attached, cancel };
  }

  #attached(sessionId: string): void {
    for (const wake of [...(this.#awaitingAttach.get(sessionId) ?? [])]) wake();
  }

  /**
   * Results a publisher sent (a result post or a socket message), taken as
   * {@link acceptTaskResults} takes them: at once for a task opened here, else on the replica
   * that opened it, whose refusal (404, 400) comes back as the same error.
   */
  accept(taskId: string, posterId: string, bodies: unknown[], source: ResultSource): void | Promise<void> {
    const opener = this.bus && !this.tasks.has(taskId) ? taskOpener(taskId) : undefined;
    if (!this.bus || opener === undefined || opener === this.bus.replicaId) {
      acceptTaskResults(this.tasks, taskId, posterId, bodies, source);
      // Among replicas this replica's own task may run on a connection held here, in a slot.
      if (this.bus) this.#slots.heard(taskId);
      return;
    }
    // The task's last result passing through the holder frees its slot at once, before the opener's word.
    if (bodies.some(isLastResult)) this.#slots.ended(taskId);
    else this.#slots.heard(taskId);
    return this.bus.sendResults(opener, { taskId, posterId, bodies, source }).then(
      (answer) => {
        if (!answer.ok) this.#refused(taskId, new HttpError(answer.status, answer.message));
      },
      (error: unknown) => this.#refused(taskId, error),
    );
  }

  /**
   * A result the opener refused, or that could not reach it (the bus down): the publisher is told
   * (a socket's `gone`, the post's error) and stops the task, so its slot here is free. Waiting for
   * the opener's word instead would keep it for good when that word is lost too.
   */
  #refused(taskId: string, error: unknown): never {
    this.#slots.ended(taskId);
    throw error;
  }

  /** What this replica does for the bus's messages. */
  handlers(hooks: Pick<RelayBusHandlers, 'sessionAttached' | 'catalogChanged' | 'accessChanged' | 'userLoad' | 'dispatchLoad' | 'slotsFreed'>): RelayBusHandlers {
    return {
      task: (sessionId, task, maxConcurrent) => this.#deliverHere(sessionId, task, maxConcurrent),
      taskEnded: (taskId) => void this.#slots.ended(taskId),
      taskDelivered: (taskId) => this.tasks.deliveredVia(taskId, undefined, false),
      results: (delivery) => this.#take(delivery),
      sessionGone: (sessionId, holder) => {
        // A sweep that took this replica for dead while its connection lives (its beat was late) is wrong about it.
        if (holder === this.bus?.replicaId && this.hub.channel(sessionId)) return;
        this.tasks.failSession(sessionId, holder);
      },
      sessionAttached: (sessionId) => {
        hooks.sessionAttached(sessionId);
        this.#attached(sessionId);
      },
      catalogChanged: () => hooks.catalogChanged(),
      accessChanged: (change) => hooks.accessChanged(change),
      userLoad: (load) => hooks.userLoad(load),
      dispatchLoad: (load) => hooks.dispatchLoad(load),
      slotsFreed: (llmId) => hooks.slotsFreed(llmId),
    };
  }

  #take({ taskId, posterId, bodies, source }: ResultDelivery): DeliveryAnswer {
    try {
      acceptTaskResults(this.tasks, taskId, posterId, bodies, source);
      // A task of this replica on a connection held here, whose result was posted to another replica.
      this.#slots.heard(taskId);
      return { ok: true };
    } catch (error) {
      const refusal = toHttpError(error);
      return { ok: false, status: refusal.statusCode, message: refusal.message };
    }
  }
}
