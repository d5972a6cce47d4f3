import type { TaskResult } from '@mcpctl/protocol';
import { generateId } from '../security/token.js';

/** Receives what the publisher posts for one task. */
export interface TaskSink {
  /** Results in the order the publisher sent them: one per result post, one or more per socket message. */
  results(results: readonly TaskResult[]): void;
  /**
   * The publisher's stream closed before the task finished, (`unreachable`) the way to the
   * replica holding it was lost, or (`lost`) results of it were lost on their way here.
   */
  publisherGone(how?: 'unreachable' | 'lost'): void;
}

interface PendingTask {
  sessionId: string;
  ownerId: string;
  sink: TaskSink;
  /** Among replicas: the replica whose connection the task went out on, once known. */
  holder?: string;
  /** The highest `seq` taken so far: a result posted again after a failed connection is taken once. */
  lastSeq?: number;
  /** Among replicas: taken by its holder but waiting there for a slot, not yet sent to the publisher. */
  queued?: boolean;
  /** Known to have gone out to the publisher (a result came, or its holder said so): never queued again. */
  wentOut?: boolean;
  /** When (monotonic ms) its holder was first found no longer alive while it waited there. */
  orphanedAt?: number;
}

const TASK_PREFIX = 'task_';

/** The holder of a task on its way over the bus, or waiting for its session to come back: no connection has it yet. */
export const AWAY = '';

/** The holder of a task taken by a replica that did not say its id (an older build): alive or not, it cannot be told. */
export const UNKNOWN_HOLDER = 'unknown';

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
   *
   * A publisher numbers a task's results 1, 2, 3…, so a `seq` past the next one means results
   * between were lost on their way (sent up a connection that broke, to a replica that died with
   * them): the task fails after the results before the gap, and answers false, so the publisher
   * stops it. Passing the rest on would give the caller an answer with a hole in it, ended as if
   * whole.
   */
  deliver(taskId: string, posterId: string, results: readonly TaskResult[]): boolean {
    const task = this.#tasks.get(taskId);
    if (!task || task.ownerId !== posterId) return false;
    // Heard from: it went out to the publisher, whatever its holder said.
    task.queued = undefined;
    task.wentOut = true;
    task.orphanedAt = undefined;
    let gap = false;
    const fresh = results.filter((result) => {
      if (gap || result.seq === undefined) return !gap;
      if (task.lastSeq !== undefined && result.seq <= task.lastSeq) return false;
      if (result.seq > (task.lastSeq ?? 0) + 1) {
        gap = true;
        return false;
      }
      task.lastSeq = result.seq;
      return true;
    });
    if (fresh.length > 0) task.sink.results(fresh);
    if (!gap || !this.#tasks.has(taskId)) return !gap;
    this.#tasks.delete(taskId);
    this.#ended(taskId, task);
    task.sink.publisherGone('lost');
    return false;
  }

  /** A result numbered `seq` was refused and the task goes on: the number is spent, so the next one is no gap. */
  skip(taskId: string, posterId: string, seq: number | undefined): void {
    const task = this.#tasks.get(taskId);
    if (!task || task.ownerId !== posterId || seq === undefined) return;
    if (seq === (task.lastSeq ?? 0) + 1) task.lastSeq = seq;
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

  /**
   * The task went out on the connection `holder` keeps (undefined: the holder is as it was), or,
   * `queued`, waits there for a slot of its LLM before it does.
   */
  deliveredVia(taskId: string, holder: string | undefined, queued = false): void {
    const task = this.#tasks.get(taskId);
    if (!task) return;
    if (holder !== undefined) task.holder = holder;
    // The holder's word that a queued task went out may come before its answer that it queued it.
    if (holder === undefined && !queued) task.wentOut = true;
    task.queued = queued && !task.wentOut ? true : undefined;
    if (!task.queued) task.orphanedAt = undefined;
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

  /**
   * Tasks waiting in the line of a replica no longer alive (`alive`: the replicas beating now)
   * for a slot of their LLM: they never went out to the publisher, and the line died with that
   * replica, so nothing would ever answer them. One still so `graceMs` after it was found fails
   * (its holder may only have been late with its beat). A task that went out is left to its own
   * timers: its publisher may have reconnected elsewhere and still answer it, and a gap in its
   * results ends it (`deliver`). Answers how many failed.
   */
  failOrphans(alive: ReadonlySet<string>, me: string, now: number, graceMs: number): number {
    let failed = 0;
    for (const [taskId, task] of this.#tasks) {
      const { holder } = task;
      if (!task.queued || holder === undefined || holder === AWAY || holder === UNKNOWN_HOLDER || holder === me) continue;
      if (alive.has(holder)) {
        task.orphanedAt = undefined;
        continue;
      }
      task.orphanedAt ??= now;
      if (now - task.orphanedAt < graceMs) continue;
      this.#tasks.delete(taskId);
      this.#ended(taskId, task);
      task.sink.publisherGone();
      failed += 1;
    }
    return failed;
  }

  get size(): number {
    return this.#tasks.size;
  }
}
