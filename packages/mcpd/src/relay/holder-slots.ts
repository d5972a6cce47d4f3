import type { Clock } from '@mcpctl/clock';
import type { InferTask, WakeTask } from '@mcpctl/protocol';

interface Queued {
  taskId: string;
  deliver(): void;
}

interface LlmSlots {
  /** Running tasks, with when each was last heard of (delivered, or a result passing through), monotonic ms. */
  running: Map<string, number>;
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
 *
 * A task opened on another replica ends here on that replica's word, or when its last result
 * passes through. Both cross the bus, and a bus that was down lost them: a task silent here for
 * longer than its opener lets a task be silent (`silentTaskMs`) has ended there, and its slot is
 * taken back when another task waits for it. Without that, each outage that ended a task would
 * keep its slot for good, until an LLM with `maxConcurrent` took no task at all.
 */
export class HolderSlots {
  readonly #llms = new Map<string, LlmSlots>();
  /** Where each running or waiting task is counted. */
  readonly #keyOf = new Map<string, string>();
  readonly #settledWaiters = new Set<SettledWaiter>();

  constructor(
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly silentTaskMs: number,
  ) {}

  /**
   * Delivers now, or once a slot of the LLM on this session frees up. A wake comes with no
   * limit: it is counted only so that a connection moving away waits for it to end.
   */
  admit(sessionId: string, task: InferTask | WakeTask, maxConcurrent: number | null, deliver: () => void): 'delivered' | 'queued' {
    const key = task.kind === 'wake' ? `${sessionId}\u0000\u0000wake` : `${sessionId}\u0000${task.llmName}`;
    const slots = this.#llms.get(key) ?? { running: new Map<string, number>(), queue: [], limit: null };
    this.#llms.set(key, slots);
    this.#keyOf.set(task.taskId, key);
    slots.limit = maxConcurrent;
    slots.queue.push({ taskId: task.taskId, deliver });
    this.#pump(key, slots);
    return slots.running.has(task.taskId) ? 'delivered' : 'queued';
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

  /** A result of a running task passed through here: it is alive. */
  heard(taskId: string): void {
    const key = this.#keyOf.get(taskId);
    const running = key === undefined ? undefined : this.#llms.get(key)?.running;
    if (running?.has(taskId)) running.set(taskId, this.clock.monotonic());
  }

  /** The session's connection here ended: nothing of it runs or waits here any more. */
  dropSession(sessionId: string): void {
    for (const [key, slots] of this.#llms) {
      if (!key.startsWith(`${sessionId}\u0000`)) continue;
      for (const taskId of slots.running.keys()) this.#keyOf.delete(taskId);
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
    if (slots.queue.length > 0 && slots.running.size >= limit) this.#takeBackSilent(slots);
    while (slots.queue.length > 0 && slots.running.size < limit) {
      const next = slots.queue.shift()!;
      slots.running.set(next.taskId, this.clock.monotonic());
      next.deliver();
    }
    if (slots.running.size === 0 && slots.queue.length === 0) this.#llms.delete(key);
    if (this.#settledWaiters.size > 0) this.#wakeSettled();
  }

  /** Slots of running tasks silent past `silentTaskMs`: their opener has failed them, and its word was lost. */
  #takeBackSilent(slots: LlmSlots): void {
    const since = this.clock.monotonic() - this.silentTaskMs;
    for (const [taskId, heardAt] of slots.running) {
      if (heardAt >= since) continue;
      slots.running.delete(taskId);
      this.#keyOf.delete(taskId);
    }
  }
}
