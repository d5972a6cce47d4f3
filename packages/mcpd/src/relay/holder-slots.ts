import type { InferTask, WakeTask } from '@mcpctl/protocol';

interface Queued {
  taskId: string;
  deliver(): void;
}

interface LlmSlots {
  running: Set<string>;
  queue: Queued[];
  /** The latest `maxConcurrent` a task brought; null: no limit. */
  limit: number | null;
}

/** `delivered`: nothing of the session waits here; `ended`: nothing runs or waits. */
export type SlotsSettled = 'delivered' | 'ended';

interface SettledWaiter {
  sessionId: string;
  until: SlotsSettled;
  resolve(): void;
}

/**
 * `maxConcurrent` among replicas, held by the one replica every task of a session passes
 * through: the holder of its connection. Each replica's dispatcher counts only its own callers,
 * so tasks from several replicas may arrive together; past the limit they wait here, in the order
 * they came, and go out as running ones end. One process alone never gets here: its dispatcher
 * sees every request.
 */
export class HolderSlots {
  readonly #llms = new Map<string, LlmSlots>();
  /** Where each running or waiting task is counted. */
  readonly #keyOf = new Map<string, string>();
  readonly #settledWaiters = new Set<SettledWaiter>();

  /**
   * Delivers now, or once a slot of the LLM on this session frees up. A wake comes with no
   * limit: it is counted only so that a connection moving away waits for it to end.
   */
  admit(sessionId: string, task: InferTask | WakeTask, maxConcurrent: number | null, deliver: () => void): void {
    const key = task.kind === 'wake' ? `${sessionId}\u0000\u0000wake` : `${sessionId}\u0000${task.llmName}`;
    const slots = this.#llms.get(key) ?? { running: new Set<string>(), queue: [], limit: null };
    this.#llms.set(key, slots);
    this.#keyOf.set(task.taskId, key);
    slots.limit = maxConcurrent;
    slots.queue.push({ taskId: task.taskId, deliver });
    this.#pump(key, slots);
  }

  /** The task ended (answered, failed, cancelled): its slot goes to the next waiting. Answers whether it was still waiting. */
  ended(taskId: string): boolean {
    const key = this.#keyOf.get(taskId);
    if (key === undefined) return false;
    this.#keyOf.delete(taskId);
    const slots = this.#llms.get(key)!;
    const waiting = slots.queue.findIndex((queued) => queued.taskId === taskId);
    if (waiting >= 0) slots.queue.splice(waiting, 1);
    else slots.running.delete(taskId);
    this.#pump(key, slots);
    return waiting >= 0;
  }

  /** The session's connection here ended: nothing of it runs or waits here any more. */
  dropSession(sessionId: string): void {
    for (const [key, slots] of this.#llms) {
      if (!key.startsWith(`${sessionId}\u0000`)) continue;
      for (const taskId of slots.running) this.#keyOf.delete(taskId);
      for (const queued of slots.queue) this.#keyOf.delete(queued.taskId);
      this.#llms.delete(key);
    }
    if (this.#settledWaiters.size > 0) this.#wakeSettled();
  }

  /** Resolves once nothing of the session waits here for a slot (`delivered`), or nothing runs or waits either (`ended`). */
  settled(sessionId: string, until: SlotsSettled): Promise<void> {
    if (this.#isSettled(sessionId, until)) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.add({ sessionId, until, resolve }));
  }

  #isSettled(sessionId: string, until: SlotsSettled): boolean {
    for (const [key, slots] of this.#llms) {
      if (!key.startsWith(`${sessionId}\u0000`)) continue;
      if (slots.queue.length > 0 || (until === 'ended' && slots.running.size > 0)) return false;
    }
    return true;
  }

  #wakeSettled(): void {
    for (const waiter of this.#settledWaiters) {
      if (!this.#isSettled(waiter.sessionId, waiter.until)) continue;
      this.#settledWaiters.delete(waiter);
      waiter.resolve();
    }
  }

  /** Tasks running and waiting here for the LLM on this session. */
  load(sessionId: string, llmName: string): { running: number; waiting: number } {
    const slots = this.#llms.get(`${sessionId}\u0000${llmName}`);
    return { running: slots?.running.size ?? 0, waiting: slots?.queue.length ?? 0 };
  }

  #pump(key: string, slots: LlmSlots): void {
    const limit = slots.limit ?? Number.POSITIVE_INFINITY;
    while (slots.queue.length > 0 && slots.running.size < limit) {
      const next = slots.queue.shift()!;
      slots.running.add(next.taskId);
      next.deliver();
    }
    if (slots.running.size === 0 && slots.queue.length === 0) this.#llms.delete(key);
    if (this.#settledWaiters.size > 0) this.#wakeSettled();
  }
}
