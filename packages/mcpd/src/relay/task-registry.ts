import type { TaskResult } from '@mcpctl/protocol';
import { generateId } from '../security/token.js';

/** Receives what the publisher posts for one task. */
export interface TaskSink {
  /** Results in the order the publisher sent them: one per result post, one or more per socket message. */
  results(results: readonly TaskResult[]): void;
  /** The publisher's stream closed before the task finished. */
  publisherGone(): void;
}

interface PendingTask {
  sessionId: string;
  ownerId: string;
  sink: TaskSink;
}

/** Tasks sent to publishers and not finished yet, by their unguessable id. */
export class TaskRegistry {
  readonly #tasks = new Map<string, PendingTask>();

  open(sessionId: string, ownerId: string, sink: TaskSink): string {
    const taskId = generateId('task_');
    this.#tasks.set(taskId, { sessionId, ownerId, sink });
    return taskId;
  }

  /**
   * Hands results the publisher sent to their task. False — and nothing changes — for an
   * unknown or finished task, or one sent to a session the poster does not own.
   */
  deliver(taskId: string, posterId: string, results: readonly TaskResult[]): boolean {
    const task = this.#tasks.get(taskId);
    if (!task || task.ownerId !== posterId) return false;
    task.sink.results(results);
    return true;
  }

  finish(taskId: string): void {
    this.#tasks.delete(taskId);
  }

  /** Every task of a session whose stream closed fails at once. */
  failSession(sessionId: string): void {
    for (const [taskId, task] of this.#tasks) {
      if (task.sessionId !== sessionId) continue;
      this.#tasks.delete(taskId);
      task.sink.publisherGone();
    }
  }

  get size(): number {
    return this.#tasks.size;
  }
}
