import type { LlmStatus, ProviderTask } from '@mcpctl/protocol';
import { HttpError, toHttpError } from '../errors.js';
import { acceptTaskResults, type ResultSource } from './accept-task-result.js';
import type { ProviderHub } from './provider-hub.js';
import type { DeliveryAnswer, RelayBus, RelayBusHandlers, ResultDelivery } from './relay-bus.js';
import { taskOpener, type TaskRegistry } from './task-registry.js';

/**
 * Where a task or a result goes: to a connection or a caller on this replica, in memory, or over
 * the bus to the replica that has it. Without a bus (one process) everything is here.
 */
export class TaskRouter {
  constructor(
    private readonly hub: ProviderHub,
    private readonly tasks: TaskRegistry,
    private readonly bus: RelayBus | undefined,
  ) {}

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

  /** Sends a task to its session's connection, wherever it is; false when nobody holds it. */
  send(sessionId: string, task: ProviderTask): boolean | Promise<boolean> {
    const { bus } = this;
    const channel = this.hub.channel(sessionId);
    if (channel) {
      channel.sendTask(task);
      if (bus) this.tasks.deliveredVia(task.taskId, bus.replicaId);
      return true;
    }
    if (!bus) return false;
    return bus.sendTask(sessionId, task).then((holder) => {
      if (holder !== undefined) this.tasks.deliveredVia(task.taskId, holder);
      return holder !== undefined;
    });
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
      return;
    }
    return this.bus.sendResults(opener, { taskId, posterId, bodies, source }).then((answer) => {
      if (!answer.ok) throw new HttpError(answer.status, answer.message);
    });
  }

  /** What this replica does for the bus's messages. */
  handlers(hooks: Pick<RelayBusHandlers, 'sessionAttached' | 'catalogChanged' | 'accessChanged'>): RelayBusHandlers {
    return {
      task: (sessionId, task) => {
        const channel = this.hub.channel(sessionId);
        channel?.sendTask(task);
        return channel !== undefined;
      },
      results: (delivery) => this.#take(delivery),
      sessionGone: (sessionId, holder) => this.tasks.failSession(sessionId, holder),
      sessionAttached: (sessionId) => hooks.sessionAttached(sessionId),
      catalogChanged: () => hooks.catalogChanged(),
      accessChanged: (change) => hooks.accessChanged(change),
    };
  }

  #take({ taskId, posterId, bodies, source }: ResultDelivery): DeliveryAnswer {
    try {
      acceptTaskResults(this.tasks, taskId, posterId, bodies, source);
      return { ok: true };
    } catch (error) {
      const refusal = toHttpError(error);
      return { ok: false, status: refusal.statusCode, message: refusal.message };
    }
  }
}
