import type { TaskResult } from '@mcpctl/protocol';
import { generateId } from '../security/token.js';

/** Receives what the publisher posts for one task. */
export interface TaskSink {
  /** Results in the order the publisher sent them: one per result post, one or more per socket message. */
  results(results: readonly TaskResult[]): void;
  /**
   * The publisher's stream closed before the task finished, or (`unreachable`) the way to the
   * replica holding it was lost.
   */
  publisherGone(how?: 'unreachable'): void;
}

interface PendingTask {
  sessionId: string;
  ownerId: string;
  sink: TaskSink;
  /** Among replicas: the replica whose connection the task went out on, once known. */
  holder?: string;
  /** The highest `seq` taken so far: a result posted again after a failed connection is taken once. */
  lastSeq?: number;
}

const TASK_PREFIX = 'task_';

/** The holder of a task on its way over the bus, or waiting for its session to come back: no connection has it yet. */
export const AWAY = '';

/** The replica a task id names (`task_REPLICA.RANDOM`), or undefined for an id of one process alone. */
export function taskOpener(taskId: string): string | undefined {
  if (!taskId.startsWith(TASK_PREFIX)) return undefined;
  const dot = taskId.indexOf('.', TASK_PREFIX.length);
  return dot > TASK_PREFIX.length ? taskId.slice(TASK_PREFIX.length, dot) : undefined;
}

/** Tasks sent to publishers and not finished yet, by their unguessable id. */
export class TaskRegistry {
  readonly #tasks = new Map<string, PendingTask>();
  readonly #idPrefix: string;
  readonly #endListeners = new Set<(taskId: string, holder: string | undefined) => void>();

  /** `replicaId`, among replicas: the ids name this replica, so results sent to another find their way here. */
  constructor(replicaId?: string) {
    this.#idPrefix = replicaId === undefined ? TASK_PREFIX : `${TASK_PREFIX}${replicaId}.`;
  }

  open(sessionId: string, ownerId: string, sink: TaskSink): string {
    const taskId = generateId(this.#idPrefix);
    this.#tasks.set(taskId, { sessionId, ownerId, sink });
    return taskId;
  }

  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  /**
   * Hands results the publisher sent to their task, but none it was handed before (a `seq` it
   * has had). False — and nothing changes — for an unknown or finished task, or one sent to a
   * session the poster does not own.
   */
  deliver(taskId: string, posterId: string, results: readonly TaskResult[]): boolean {
    const task = this.#tasks.get(taskId);
    if (!task || task.ownerId !== posterId) return false;
    const fresh = results.filter((result) => {
      if (result.seq === undefined) return true;
      if (task.lastSeq !== undefined && result.seq <= task.lastSeq) return false;
      task.lastSeq = result.seq;
      return true;
    });
    if (fresh.length > 0) task.sink.results(fresh);
    return true;
  }

  finish(taskId: string): void {
    const task = this.#tasks.get(taskId);
    if (!task) return;
    this.#tasks.delete(taskId);
    this.#ended(taskId, task);
  }

  /** Called when a task ends here, however it ends, with the replica that delivered it when known. */
  onEnd(listener: (taskId: string, holder: string | undefined) => void): void {
    this.#endListeners.add(listener);
  }

  #ended(taskId: string, task: PendingTask): void {
    for (const listener of this.#endListeners) listener(taskId, task.holder);
  }

  /** The task went out on the connection `holder` keeps. */
  deliveredVia(taskId: string, holder: string): void {
    const task = this.#tasks.get(taskId);
    if (task) task.holder = holder;
  }

  /**
   * Every task of a session whose stream closed fails at once. `holder`: only those that went out
   * on that replica's connection (or sent before the bus, whose way is not recorded), so news of
   * an old connection ending fails neither tasks already on the session's new one nor tasks
   * still on their way ({@link AWAY}).
   */
  failSession(sessionId: string, holder?: string): void {
    for (const [taskId, task] of this.#tasks) {
      if (task.sessionId !== sessionId) continue;
      if (holder !== undefined && task.holder !== undefined && task.holder !== holder) continue;
      this.#tasks.delete(taskId);
      this.#ended(taskId, task);
      task.sink.publisherGone();
    }
  }

  /**
   * Every task that went out on another replica's connection fails at once: the bus to it is
   * lost, so none of its results can come (the holder tells the publisher the task is gone).
   * Tasks on this replica's connections, and those still on their way, go on.
   */
  failHeldElsewhere(me: string): void {
    for (const [taskId, task] of this.#tasks) {
      if (task.holder === undefined || task.holder === AWAY || task.holder === me) continue;
      this.#tasks.delete(taskId);
      this.#ended(taskId, task);
      task.sink.publisherGone('unreachable');
    }
  }

  get size(): number {
    return this.#tasks.size;
  }
}
