import { every, type Cancel, type Clock } from '@mcpctl/clock';
import type { InferenceTarget } from '../catalog/llm-catalog.js';
import { serviceUnavailable } from '../errors.js';
import type { CancelSignal } from '../inference/caller.js';
import { CallerGoneError } from '../inference/upstream-call.js';
import type { RelayBus } from '../relay/relay-bus.js';
import type { ClaimOutcome, SlotClaimRepository } from '../repositories/slot-claim-repository.js';
import { generateId } from '../security/token.js';
import { WaitingClaims, type WaitingClaim } from './waiting-claims.js';
import { queueFull, userQueueFull } from './queue-refusals.js';

/** A turn granted on one of the candidates: the request runs on `target`, then gives it back. */
export interface SharedTurn {
  target: InferenceTarget;
  /** Gives the slot back; once. */
  release: () => void;
}

/** Who waits for a turn, and under which name the dispatcher counts its wait (`llm:NAME`, `pool:NAME`). */
export interface TurnRequest {
  userId: string;
  signal: CancelSignal;
  /** Default: `llm:` and the first candidate's name. */
  key?: string;
}

/** Slots of LLMs kept among replicas rather than by one dispatcher's own count. */
export interface SharedSlots {
  /** Whether `target`'s `maxConcurrent` is kept here rather than by the dispatcher. */
  keeps(target: InferenceTarget): boolean;
  /**
   * A turn on the first of `candidates` with a free slot now; with none, the request waits in the
   * first one's line and takes a slot freed on any of the others meanwhile, whichever comes
   * first. Rejects with 429, 503 or the caller gone.
   */
  takeAny(candidates: readonly InferenceTarget[], request: TurnRequest): Promise<SharedTurn>;
  /** The first part of {@link takeAny}: a free slot now on any candidate, else undefined (nothing waits). */
  tryAny(candidates: readonly InferenceTarget[], userId: string): Promise<SharedTurn | undefined>;
  /** The second: the wait, in the first candidate's line and for a slot freed on any other. */
  waitFor(candidates: readonly InferenceTarget[], request: TurnRequest): Promise<SharedTurn>;
  /** This replica's requests waiting in `llmId`'s line: load on it, as the dispatcher picks. */
  waitingOn(llmId: string): number;
  /** Requests of this replica waiting for their turn. */
  readonly waiting: number;
  /** Those waiting under the dispatcher's `key`, and how long the oldest of them has waited (ms). */
  waitingFor(key: string): number;
  oldestWaitMs(key: string): number;
  /** Keys with a request waiting here. */
  waitingKeys(): Iterable<string>;
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
  readonly #waiting = new WaitingClaims();
  /** LLMs whose freed slot is being offered to their watchers: one offer at a time, news during it runs another. */
  readonly #offering = new Set<string>();
  readonly #offerAgain = new Set<string>();
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
        for (const llmId of this.#waiting.llmIds()) this.freed(llmId);
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

  /** {@link takeAny} with one candidate: resolves with the turn's release. */
  async take(target: InferenceTarget, request: TurnRequest): Promise<() => void> {
    return (await this.takeAny([target], request)).release;
  }

  async takeAny(candidates: readonly InferenceTarget[], request: TurnRequest): Promise<SharedTurn> {
    if (request.signal.aborted) throw new CallerGoneError();
    // A pool's request takes any member's free slot before it queues behind a busy one.
    const now = candidates.length > 1 ? await this.tryAny(candidates, request.userId) : undefined;
    return now ?? this.waitFor(candidates, request);
  }

  /**
   * A turn on the first candidate with a free slot now, or undefined: nothing waits. A candidate
   * that requests of this replica already wait for (in its line, or watching it from another) is
   * left to them.
   */
  async tryAny(candidates: readonly InferenceTarget[], userId: string): Promise<SharedTurn | undefined> {
    for (const candidate of candidates) {
      const { id } = candidate.record;
      if (this.#waiting.awaited(id)) continue;
      const turn = await this.#takeFree(candidate, userId);
      if (turn) return turn;
    }
    return undefined;
  }

  /** The turn in the first candidate's line, or a slot freed on any of the others meanwhile, whichever comes first. */
  async waitFor(candidates: readonly InferenceTarget[], { userId, signal, key }: TurnRequest): Promise<SharedTurn> {
    const [first, ...others] = candidates;
    if (!first) throw new Error('a turn needs at least one candidate');
    if (signal.aborted) throw new CallerGoneError();
    const { id: llmId, maxConcurrent } = first.record;
    // What the caller asked for names the wait in its refusals: the pool, or the LLM.
    const name = key?.startsWith('pool:') ? key.slice('pool:'.length) : first.record.name;
    const limit = maxConcurrent ?? Number.MAX_SAFE_INTEGER;
    const claimId = generateId('claim-');
    this.#held.set(claimId, { llmId, userId, granted: false });
    const outcome = await this.#claim({ claimId, llmId, limit, name, userId }).catch((error: unknown) => {
      this.#held.delete(claimId);
      throw error;
    });
    if (outcome === 'granted') return { target: first, release: this.#granted(claimId, llmId) };
    return this.#awaitTurn({ claimId, llmId, limit, name, userId, key: key ?? `llm:${first.record.name}` }, first, others, signal);
  }

  /** Waits in `first`'s line with the claim just stored, taking a slot freed on one of `others` if that comes first. */
  #awaitTurn(
    claim: Pick<WaitingClaim, 'claimId' | 'llmId' | 'limit' | 'name' | 'userId' | 'key'>,
    first: InferenceTarget,
    others: InferenceTarget[],
    signal: CancelSignal,
  ): Promise<SharedTurn> {
    const { claimId, llmId, name } = claim;
    return new Promise((resolve, reject) => {
      const cleanups: Cancel[] = [];
      const settle = () => {
        if (waiting.settled) return false;
        waiting.settled = true;
        for (const cleanup of cleanups) cleanup();
        this.#waiting.remove(waiting);
        return true;
      };
      const waiting: WaitingClaim = {
        ...claim,
        since: this.clock.monotonic(),
        others,
        settled: false,
        grant: () => {
          if (settle()) resolve({ target: first, release: this.#granted(claimId, llmId) });
        },
        grantElsewhere: (turn) => {
          if (!settle()) {
            turn.release();
            return;
          }
          // Its place in this line is given up, which may be the turn of one made after it.
          this.#release(claimId, llmId);
          resolve(turn);
        },
        fail: (error) => {
          if (!settle()) return;
          // Its place is given up, which may be the turn of one made after it.
          this.#release(claimId, llmId);
          reject(error);
        },
      };
      this.#waiting.add(waiting);
      const waitMs = this.options.maxWaitMs;
      cleanups.push(this.clock.after(waitMs, () => waiting.fail(serviceUnavailable(`no capacity for ${name} within ${Math.round(waitMs / 1000)} s`, 5))));
      const onAbort = () => waiting.fail(new CallerGoneError());
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
      // A slot may have freed between the claim and now, in this line or another.
      this.freed(llmId);
      for (const other of others) this.freed(other.record.id);
    });
  }

  /**
   * A slot of `llmId` was given back (here or on another replica): its waiting claims here try for
   * it, and so do pools' requests waiting in another line that may run on it.
   */
  freed(llmId: string): void {
    if (this.#waiting.isWatched(llmId)) this.#offer(llmId);
    if (!this.#waiting.hasLine(llmId)) return;
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
    return this.#waiting.count;
  }

  waitingOn(llmId: string): number {
    return this.#waiting.countOn(llmId);
  }

  waitingFor(key: string): number {
    return this.#waiting.countFor(key);
  }

  oldestWaitMs(key: string): number {
    const since = this.#waiting.oldestSince(key);
    return since === undefined ? 0 : this.clock.monotonic() - since;
  }

  waitingKeys(): Iterable<string> {
    return this.#waiting.keys();
  }

  /** Claims running or waiting for this replica. */
  get held(): number {
    return this.#held.size;
  }

  async #tryTurns(llmId: string): Promise<void> {
    const waiters = this.#waiting.lineOf(llmId);
    if (waiters.length === 0) return;
    // Waiters known before the question: their claims are stored, so one the answer lacks was swept.
    const asked = new Set(waiters);
    const claims = await this.claims.grantTurns(llmId, this.bus.replicaId, waiters.at(-1)!.limit);
    // Those registered meanwhile are answered too: a claim may be granted before its waiter is listed.
    for (const waiter of [...this.#waiting.lineOf(llmId)]) {
      // One that failed meanwhile gives its claim up, granted or not, and that is news of its own.
      if (waiter.settled) continue;
      const granted = claims.get(waiter.claimId);
      if (granted === true) waiter.grant();
      else if (granted === undefined && asked.has(waiter)) await this.#claimAgain(waiter);
    }
  }

  /** A turn on `target` if it has a free slot now (nothing stored otherwise); undefined when it has none. */
  async #takeFree(target: InferenceTarget, userId: string): Promise<SharedTurn | undefined> {
    const { id: llmId, maxConcurrent } = target.record;
    const claimId = generateId('claim-');
    this.#held.set(claimId, { llmId, userId, granted: false });
    try {
      // No room to wait: granted, or refused with nothing stored.
      const outcome = await this.#store(claimId, llmId, userId, maxConcurrent ?? Number.MAX_SAFE_INTEGER, { maxWaiting: 0, maxWaitingPerUser: 0 });
      if (outcome.state === 'granted') return { target, release: this.#granted(claimId, llmId) };
      this.#held.delete(claimId);
      return undefined;
    } catch (error) {
      this.#held.delete(claimId);
      throw error;
    }
  }

  /** A slot freed on `llmId`: the pools' requests waiting elsewhere that may run on it try for it, oldest first. */
  #offer(llmId: string): void {
    if (this.#offering.has(llmId)) {
      this.#offerAgain.add(llmId);
      return;
    }
    this.#offering.add(llmId);
    void this.#offerTurns(llmId)
      .catch(this.onError)
      .finally(() => {
        this.#offering.delete(llmId);
        if (this.#offerAgain.delete(llmId)) this.freed(llmId);
      });
  }

  async #offerTurns(llmId: string): Promise<void> {
    for (const waiting of this.#waiting.watchersOf(llmId)) {
      if (waiting.settled) continue;
      const target = waiting.others.find((other) => other.record.id === llmId);
      if (!target) continue;
      const turn = await this.#takeFree(target, waiting.userId);
      // No free slot left: the next watcher would find none either.
      if (!turn) return;
      waiting.grantElsewhere(turn);
    }
  }

  /** Taken for dead while alive, this replica had its claims swept: a waiting one is made again, last in line. */
  async #claimAgain(waiter: WaitingClaim): Promise<void> {
    try {
      const outcome = await this.#claim(waiter);
      // Left while the claim was made again: given up like any other.
      if (waiter.settled) this.#release(waiter.claimId, waiter.llmId);
      else if (outcome === 'granted') waiter.grant();
    } catch (error) {
      waiter.fail(error as Error);
    }
  }

  async #claim({ claimId, llmId, limit, name, userId }: Pick<WaitingClaim, 'claimId' | 'llmId' | 'limit' | 'name' | 'userId'>): Promise<'granted' | 'waiting'> {
    const { maxQueueLength, maxQueuedPerUser } = this.options;
    const outcome = await this.#store(claimId, llmId, userId, limit, { maxWaiting: maxQueueLength, maxWaitingPerUser: maxQueuedPerUser });
    if (outcome.state !== 'full') return outcome.state;
    this.#held.delete(claimId);
    if (outcome.waiting >= maxQueueLength) throw queueFull(name, outcome.waiting);
    throw userQueueFull(name, outcome.mine);
  }

  /** Stores a claim of this replica: granted, waiting, or refused (`full`) when its line has no room for it. */
  #store(claimId: string, llmId: string, userId: string, limit: number, room: { maxWaiting: number; maxWaitingPerUser: number }): Promise<ClaimOutcome> {
    return this.claims.claim({ id: claimId, llmId, replicaId: this.bus.replicaId, userId, limit, ...room });
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
