import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { InferenceTarget } from '../catalog/llm-catalog.js';
import { serviceUnavailable, tooManyRequests } from '../errors.js';
import type { CancelSignal } from '../inference/caller.js';
import { CallerGoneError } from '../inference/upstream-call.js';
import type { RelayBus } from '../relay/relay-bus.js';
import type { SlotClaimRepository } from '../repositories/slot-claim-repository.js';
import { generateId } from '../security/token.js';

/** Slots of LLMs kept among replicas rather than by one dispatcher's own count. */
export interface SharedSlots {
  /** Whether `target`'s `maxConcurrent` is kept here rather than by the dispatcher. */
  keeps(target: InferenceTarget): boolean;
  /** Resolves with the slot's release once the request's turn comes; rejects with 429, 503 or the caller gone. */
  take(target: InferenceTarget, request: { userId: string; signal: CancelSignal }): Promise<() => void>;
  /** Requests of this replica waiting for their turn. */
  readonly waiting: number;
}

export interface SharedSlotsOptions {
  /** Claims that may wait per LLM, over every replica, before a new one gets 429. */
  maxQueueLength: number;
  /** Claims of one user that may wait per LLM. */
  maxQueuedPerUser: number;
  /** Longest wait for a turn before 503. */
  maxWaitMs: number;
  /** How often waiting claims try for a slot without news (a lost message, a dead replica's claims swept). */
  retryMs: number;
  /** How often claims this replica no longer holds, and those of dead replicas, are removed. */
  sweepMs: number;
}

export const SHARED_SLOT_TIMING = { retryMs: 1_000, sweepMs: 5_000 } as const;

interface Waiting {
  claimId: string;
  llmId: string;
  limit: number;
  name: string;
  userId: string;
  settled: boolean;
  grant(): void;
  fail(error: Error): void;
}

/**
 * `maxConcurrent` of public LLMs among replicas (SPEC §12 §8). Every replica calls a public
 * upstream itself, so no replica sees every request: the slots are claims in the shared
 * database, granted under the LLM's advisory lock (never more than the limit) and in the order
 * they were made, whichever replica made them. A slot given back is news on the bus, and the
 * replicas with claims waiting for that LLM try for it at once; they also try every second, so a
 * lost message or a dead replica's claims delay a turn by a second at most.
 */
export class SharedLlmSlots implements SharedSlots {
  /** Claims of this replica (running, waiting or being made), and whether each runs. */
  readonly #held = new Map<string, { llmId: string; userId: string; granted: boolean }>();
  /** Claims whose release failed: removed by the next sweep. */
  readonly #lost = new Set<string>();
  /** Per LLM, this replica's waiting claims in the order they were made. */
  readonly #waiting = new Map<string, Waiting[]>();
  /** Per LLM, the round of retries running: one at a time, and news during it runs another. */
  readonly #rounds = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #stops: Cancel[] = [];

  constructor(
    private readonly claims: SlotClaimRepository,
    private readonly bus: RelayBus,
    private readonly clock: Clock,
    private readonly options: SharedSlotsOptions,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.#stops.length > 0) return;
    this.#stops.push(
      every(this.clock, this.options.retryMs, () => {
        for (const llmId of this.#waiting.keys()) this.freed(llmId);
      }),
      every(this.clock, this.options.sweepMs, () => void this.sweep().catch(this.onError)),
    );
  }

  /** Stops trying; the replica's claims go (its requests have ended by now). */
  async stop(): Promise<void> {
    for (const stop of this.#stops.splice(0)) stop();
    await this.claims.forgetReplica(this.bus.replicaId).catch(this.onError);
  }

  /**
   * This replica was taken for dead while alive and its claims swept: those of requests still
   * running are stored again, so they count. Waiting ones are made again by their next round.
   */
  async restore(): Promise<void> {
    const running = [...this.#held].filter(([, claim]) => claim.granted).map(([id, claim]) => ({ id, ...claim }));
    await this.claims.restore(running, this.bus.replicaId);
  }

  keeps(target: InferenceTarget): boolean {
    return target.record.kind === 'public' && target.record.maxConcurrent !== null;
  }

  async take(target: InferenceTarget, { userId, signal }: { userId: string; signal: CancelSignal }): Promise<() => void> {
    const { id: llmId, name, maxConcurrent } = target.record;
    if (signal.aborted) throw new CallerGoneError();
    const limit = maxConcurrent ?? Number.MAX_SAFE_INTEGER;
    const claimId = generateId('claim-');
    this.#held.set(claimId, { llmId, userId, granted: false });
    const outcome = await this.#claim({ claimId, llmId, limit, name, userId }).catch((error: unknown) => {
      this.#held.delete(claimId);
      throw error;
    });
    if (outcome === 'granted') return this.#granted(claimId, llmId);
    return new Promise((resolve, reject) => {
      const cleanups: Cancel[] = [];
      const settle = () => {
        if (waiting.settled) return false;
        waiting.settled = true;
        for (const cleanup of cleanups) cleanup();
        const queue = this.#waiting.get(llmId) ?? [];
        queue.splice(queue.indexOf(waiting), 1);
        if (queue.length === 0) this.#waiting.delete(llmId);
        return true;
      };
      const waiting: Waiting = {
        claimId,
        llmId,
        limit,
        name,
        userId,
        settled: false,
        grant: () => {
          if (settle()) resolve(this.#granted(claimId, llmId));
        },
        fail: (error) => {
          if (!settle()) return;
          // Its place is given up, which may be the turn of one made after it.
          this.#release(claimId, llmId);
          reject(error);
        },
      };
      this.#waiting.set(llmId, [...(this.#waiting.get(llmId) ?? []), waiting]);
      const waitMs = this.options.maxWaitMs;
      cleanups.push(this.clock.after(waitMs, () => waiting.fail(serviceUnavailable(`no capacity for ${name} within ${Math.round(waitMs / 1000)} s`, 5))));
      const onAbort = () => waiting.fail(new CallerGoneError());
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
      // A slot may have freed between the claim and now.
      this.freed(llmId);
    });
  }

  /** A slot of `llmId` was given back (here or on another replica): its waiting claims here try for it. */
  freed(llmId: string): void {
    if (!this.#waiting.has(llmId)) return;
    if (this.#rounds.has(llmId)) {
      this.#again.add(llmId);
      return;
    }
    const round = this.#tryTurns(llmId)
      .catch(this.onError)
      .finally(() => {
        this.#rounds.delete(llmId);
        if (this.#again.delete(llmId)) this.freed(llmId);
      });
    this.#rounds.set(llmId, round);
  }

  /** Removes the claims whose release failed, and those of dead replicas; tells whoever waits. */
  async sweep(): Promise<void> {
    const lost = [...this.#lost];
    const forgotten = await this.claims.forget(lost);
    for (const id of lost) this.#lost.delete(id);
    const orphaned = await this.claims.sweepOrphans();
    for (const llmId of new Set([...forgotten, ...orphaned])) this.#announce(llmId);
  }

  get waiting(): number {
    let waiting = 0;
    for (const queue of this.#waiting.values()) waiting += queue.length;
    return waiting;
  }

  /** Claims running or waiting for this replica. */
  get held(): number {
    return this.#held.size;
  }

  async #tryTurns(llmId: string): Promise<void> {
    const waiters = this.#waiting.get(llmId);
    if (!waiters?.length) return;
    // Waiters known before the question: their claims are stored, so one the answer lacks was swept.
    const asked = new Set(waiters);
    const claims = await this.claims.grantTurns(llmId, this.bus.replicaId, waiters.at(-1)!.limit);
    // Those registered meanwhile are answered too: a claim may be granted before its waiter is listed.
    for (const waiter of [...(this.#waiting.get(llmId) ?? [])]) {
      // One that failed meanwhile gives its claim up, granted or not, and that is news of its own.
      if (waiter.settled) continue;
      const granted = claims.get(waiter.claimId);
      if (granted === true) waiter.grant();
      else if (granted === undefined && asked.has(waiter)) await this.#claimAgain(waiter);
    }
  }

  /** Taken for dead while alive, this replica had its claims swept: a waiting one is made again, last in line. */
  async #claimAgain(waiter: Waiting): Promise<void> {
    try {
      const outcome = await this.#claim(waiter);
      // Left while the claim was made again: given up like any other.
      if (waiter.settled) this.#release(waiter.claimId, waiter.llmId);
      else if (outcome === 'granted') waiter.grant();
    } catch (error) {
      waiter.fail(error as Error);
    }
  }

  async #claim({ claimId, llmId, limit, name, userId }: Omit<Waiting, 'settled' | 'grant' | 'fail'>): Promise<'granted' | 'waiting'> {
    const { maxQueueLength, maxQueuedPerUser } = this.options;
    const outcome = await this.claims.claim({
      id: claimId,
      llmId,
      replicaId: this.bus.replicaId,
      userId,
      limit,
      maxWaiting: maxQueueLength,
      maxWaitingPerUser: maxQueuedPerUser,
    });
    if (outcome.state !== 'full') return outcome.state;
    this.#held.delete(claimId);
    if (outcome.waiting >= maxQueueLength) throw tooManyRequests(`the queue for ${name} is full (${outcome.waiting} waiting); try again shortly`, 5);
    // One user may not fill a shared model's queue and lock everyone else out.
    throw tooManyRequests(`you already have ${outcome.mine} requests waiting for ${name}, the most one user may queue for it; try again shortly`, 5);
  }

  /** The claim runs: its release, once, gives it back. */
  #granted(claimId: string, llmId: string): () => void {
    const held = this.#held.get(claimId);
    if (held) held.granted = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release(claimId, llmId);
    };
  }

  #release(claimId: string, llmId: string): void {
    this.claims
      .release(claimId)
      .then(() => this.#announce(llmId))
      .catch((error: unknown) => {
        // Removed by the next sweep.
        this.#lost.add(claimId);
        this.onError(error);
      })
      .finally(() => this.#held.delete(claimId));
  }

  #announce(llmId: string): void {
    this.bus.slotsFreed(llmId);
    this.freed(llmId);
  }
}
