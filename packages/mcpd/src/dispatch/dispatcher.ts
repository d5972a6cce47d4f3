import { every, type Clock } from '@mcpctl/clock';
import { echo, forbidden, HttpError, NoOtherMemberError, notFound, serviceUnavailable } from '../errors.js';
import type { CancelSignal } from '../inference/caller.js';
import { CallerGoneError } from '../inference/upstream-call.js';
import type { TaskRouter } from '../relay/task-router.js';
import type { InferenceTarget, LlmCatalog } from '../catalog/llm-catalog.js';
import { canSee, type Principal } from '../rbac/principal.js';
import type { InFlightTracker } from './in-flight-tracker.js';
import { MemberCooldown } from './member-cooldown.js';
import { hasCapacity, pickMember, type MemberLoad } from './pick-member.js';
import type { ReconnectGrace } from './reconnect-grace.js';
import type { SharedSlots, SharedTurn } from './shared-llm-slots.js';
import type { WakeCoordinator } from './wake-coordinator.js';
import { queueFull, userQueueFull } from './queue-refusals.js';

export interface DispatchOptions {
  /** Requests waiting per LLM or pool before new ones get 429. */
  maxQueueLength: number;
  /** Requests of one user waiting per LLM or pool before that user's next gets 429 (default: half the queue). */
  maxQueuedPerUser?: number;
  /** Longest wait in the queue before 503. */
  maxWaitMs: number;
  /** How long a pool member that failed before its answer started is picked after the others (0: not at all). */
  memberCooldownMs: number;
  /** How often a request waiting on a wake is told so. */
  wakeNoticeIntervalMs: number;
}

export interface DispatchRequest {
  principal: Principal;
  /** An LLM name, else a pool name (an LLM name wins). */
  name: string;
  signal: CancelSignal;
  /** `x-mcpctl-wait-seconds`: wait this long for an offline LLM to come back instead of 503. */
  waitForOfflineMs?: number | undefined;
  /** Members not to use again (one that just failed). */
  exclude?: ReadonlySet<string>;
  /** The refusal of a name that is no LLM or pool the caller sees, in the words of the face it came by; default `LLM not found: NAME`. */
  unknownName?: ((name: string) => HttpError) | undefined;
  /** Told every few seconds while the request waits on a wake. */
  onWaking?: ((llmName: string, elapsedMs: number) => void) | undefined;
  /**
   * Told how long the request waited for a slot (in the queue, or for the LLM's turn among the
   * replicas) each time such a wait ends, whether a slot came or not: a wait that ended in a 503
   * or with the caller gone counts as much as one that was served.
   */
  onWaited?: ((ms: number) => void) | undefined;
}

/** Requests of one user that may wait per LLM or pool: as configured, else half the queue. */
export function maxQueuedPerUser(options: DispatchOptions): number {
  return options.maxQueuedPerUser ?? Math.max(1, Math.ceil(options.maxQueueLength / 2));
}

/** The counters a view of LLMs and pools shows: this dispatcher's, or every replica's (`DispatchLoadExchange`). */
export type DispatchCounters = Pick<Dispatcher, 'inFlightOf' | 'queued' | 'oldestWaitMs' | 'cooldownMsOf'>;

/** A slot on one member: serve through `target`, then `release()`. */
export interface Slot {
  target: InferenceTarget;
  /** True when the name is a pool (another member may be tried). */
  pooled: boolean;
  release(): void;
}

interface Resolved {
  key: string;
  pooled: boolean;
  members: InferenceTarget[];
}

interface Waiter {
  request: DispatchRequest;
  resolved: Resolved;
  enqueuedAt: number;
  /** The member a wake runs for on its behalf, if any. */
  waking: string | undefined;
  /** Members whose wake failed for it: not woken for it again. */
  wakesFailed: Set<string>;
  /** Why each of them failed, in order: all are told when no member is left. */
  wakeErrors: Error[];
  /** Undone when it settles. */
  cleanups: Array<() => void>;
  /** Granted a slot, or failed: out of the queue. */
  settled: boolean;
  /** Waits at least `ms` more (a wake it now waits on may take that long). */
  waitAtLeast(ms: number): void;
  grant(target: InferenceTarget): void;
  fail(error: Error): void;
}

/**
 * SPEC §5: resolve a name to its candidates, pick the least-loaded active member with free
 * capacity, wake a hibernating one when nothing else can serve, and otherwise hold the request
 * in a bounded FIFO queue that is handed the next free slot the moment it frees up.
 */
export class Dispatcher {
  readonly #queues = new Map<string, Waiter[]>();
  readonly #turns = new Map<string, number>();
  readonly #cooldown: MemberCooldown;

  constructor(
    private readonly catalog: LlmCatalog,
    private readonly router: TaskRouter,
    private readonly inFlight: InFlightTracker,
    private readonly wakes: WakeCoordinator,
    private readonly grace: ReconnectGrace,
    private readonly clock: Clock,
    private readonly options: DispatchOptions,
    /** Among replicas: the slots of public LLMs, which no replica's own count sees whole. */
    private readonly shared?: SharedSlots,
  ) {
    this.#cooldown = new MemberCooldown(clock, options.memberCooldownMs);
    inFlight.onRelease(() => this.#pumpAll());
    catalog.onChange(() => void this.#refreshAll());
  }

  /** Requests waiting for the LLM or pool `key` (`llm:NAME`, `pool:NAME`), their turn among replicas included. */
  queued(key: string): number {
    return (this.#queues.get(key)?.length ?? 0) + (this.shared?.waitingFor(key) ?? 0);
  }

  /** How long the oldest request waiting for `key` has waited, in ms. */
  oldestWaitMs(key: string): number {
    const head = this.#queues.get(key)?.[0];
    return Math.max(head ? this.clock.monotonic() - head.enqueuedAt : 0, this.shared?.oldestWaitMs(key) ?? 0);
  }

  /** Requests waiting, over every LLM and pool, their turn among replicas included. */
  queuedTotal(): number {
    let total = this.shared?.waiting ?? 0;
    for (const queue of this.#queues.values()) total += queue.length;
    return total;
  }

  inFlightOf(llmId: string): number {
    return this.inFlight.count(llmId);
  }

  /** LLMs with a request in flight here: where {@link inFlightOf} is not zero. */
  llmsInFlight(): Iterable<string> {
    return this.inFlight.llmIds();
  }

  /** Keys (`llm:NAME`, `pool:NAME`) with a request waiting here: where {@link queued} is not zero. */
  *waitingKeys(): Iterable<string> {
    const keys = new Set<string>(this.shared?.waitingKeys());
    for (const [key, queue] of this.#queues) if (queue.length > 0) keys.add(key);
    yield* keys;
  }

  /** A pool member failed before its answer started: the other members go first for a while. */
  memberFailed(llmId: string): void {
    this.#cooldown.failed(llmId);
  }

  /** A member answered: any cooldown of its ends. */
  memberServed(llmId: string): void {
    this.#cooldown.served(llmId);
  }

  /** How long the pool member's cooldown on this replica still lasts, in ms (0: none). */
  cooldownMsOf(llmId: string): number {
    return this.#cooldown.msLeft(llmId);
  }

  /** The pool members cooling down on this replica, with the ms left of each. */
  membersCoolingDown(): Iterable<readonly [llmId: string, msLeft: number]> {
    return this.#cooldown.entries();
  }

  async acquire(request: DispatchRequest): Promise<Slot> {
    const resolved = await this.#resolve(request);
    const { exclude } = request;
    if (resolved.pooled && exclude !== undefined && exclude.size > 0 && resolved.members.every((member) => exclude.has(member.record.id))) {
      throw new NoOtherMemberError(request.name);
    }
    const queue = this.#queues.get(resolved.key);
    // Waiting requests go first: a newcomer never takes a slot from under them.
    const now = !queue?.length ? this.#pick(resolved, request.exclude) : undefined;
    if (now && this.shared?.keeps(now)) return this.#takeShared(now, resolved, request, this.shared);
    const slot = now ? this.#slot(now, resolved) : await this.#wait(request, resolved);
    if (!this.shared?.keeps(slot.target)) return slot;
    // Handed a member whose slots are kept among replicas: its turn there decides, and the
    // request counts in flight here once it has one.
    slot.release();
    // Read again: the members may have changed while it waited here.
    return this.#takeShared(slot.target, await this.#resolve(request), request, this.shared);
  }

  /**
   * The request's turn among replicas on `picked` or, for a pool, on any member kept there too: a
   * free slot on another member serves it rather than a wait behind `picked`, and so does a member
   * this replica counts itself (a workstation's model, one without a limit) with room. Otherwise
   * it waits, and runs on whichever member's slot comes first, as the members are then.
   */
  async #takeShared(picked: InferenceTarget, resolved: Resolved, request: DispatchRequest, shared: SharedSlots): Promise<Slot> {
    const startedAt = this.clock.monotonic();
    const goneBefore = request.signal.aborted;
    const { userId } = request.principal;
    let candidates = [picked];
    if (resolved.pooled) {
      const loads = this.#loads(resolved.members, request.exclude);
      candidates = [picked, ...sharedAlternatives(picked, loads, shared)];
      const now = await shared.tryAny(candidates, userId);
      if (now) return this.#sharedSlot(now, resolved);
      const counted = pickMember(
        loads.filter((load) => !load.keptElsewhere),
        this.#turns.get(resolved.key) ?? 0,
      );
      if (counted) return this.#slot(counted, resolved);
    }
    let turn: SharedTurn;
    try {
      turn = await shared.waitFor(candidates, { userId, signal: request.signal, key: resolved.key });
    } catch (error) {
      // A wait for the turn that ended without one is time in line; a refusal before any wait (429) is not.
      if (!goneBefore && (error instanceof CallerGoneError || (error instanceof HttpError && error.statusCode === 503))) {
        request.onWaited?.(this.clock.monotonic() - startedAt);
      }
      throw error;
    }
    request.onWaited?.(this.clock.monotonic() - startedAt);
    // The members may have changed while it waited (one deleted, moved out of the pool, its URL
    // changed): the turn goes to the member as it is now, or is given back and the request asks again.
    let current: Resolved;
    try {
      current = await this.#resolve(request);
    } catch (error) {
      turn.release();
      throw error;
    }
    const target = current.members.find((member) => member.record.id === turn.target.record.id);
    if (!target) {
      turn.release();
      return this.acquire(request);
    }
    return this.#sharedSlot({ target, release: turn.release }, current);
  }

  /** A turn among replicas, counted in flight here while it runs. */
  #sharedSlot(turn: SharedTurn, resolved: Resolved): Slot {
    const slot = this.#slot(turn.target, resolved);
    return {
      ...slot,
      release: () => {
        slot.release();
        turn.release();
      },
    };
  }

  async #resolve(request: DispatchRequest): Promise<Resolved> {
    const { principal, name } = request;
    const llm = await this.catalog.find(name);
    if (llm && canSee(principal, llm.record)) {
      if (!principal.can('run', 'llms', llm.record)) throw forbidden(`running ${name} needs the run:llms permission; ask an admin for a role binding that grants it`);
      return { key: `llm:${name}`, pooled: false, members: [llm] };
    }
    const pool = (await this.catalog.findPool(name)).filter((member) => mayDispatchToMember(principal, member));
    if (pool.length === 0) throw request.unknownName?.(name) ?? notFound(`LLM not found: ${echo(name)}`);
    const runnable = pool.filter((member) => principal.can('run', 'llms', member.record));
    if (runnable.length === 0) throw forbidden(`running pool ${name} needs the run:llms permission for one of its members; ask an admin for a role binding that grants it`);
    return { key: `pool:${name}`, pooled: true, members: runnable };
  }

  #loads(members: InferenceTarget[], exclude: ReadonlySet<string> | undefined): MemberLoad[] {
    return members
      .filter((target) => !exclude?.has(target.record.id))
      .map((target) => ({
        target,
        // A request waiting for its turn among replicas is load here too: the next one goes elsewhere.
        inFlight: this.inFlight.count(target.record.id) + (this.shared?.waitingOn(target.record.id) ?? 0),
        reachable: this.#reachable(target),
        keptElsewhere: this.shared?.keeps(target) ?? false,
        coolingDown: this.#cooldown.coolingDown(target.record.id),
      }));
  }

  #reachable(target: InferenceTarget): boolean {
    return target.record.kind === 'public' || this.router.reachable(target.record.providerSessionId, target.record.status);
  }

  #pick(resolved: Resolved, exclude: ReadonlySet<string> | undefined): InferenceTarget | undefined {
    const turn = this.#turns.get(resolved.key) ?? 0;
    const target = pickMember(this.#loads(resolved.members, exclude), turn);
    if (target) this.#turns.set(resolved.key, turn + 1);
    return target;
  }

  #slot(target: InferenceTarget, resolved: Resolved): Slot {
    return { target, pooled: resolved.pooled, release: this.inFlight.acquire(target.record.id) };
  }

  #wait(request: DispatchRequest, resolved: Resolved): Promise<Slot> {
    if (request.signal.aborted) return Promise.reject(new CallerGoneError());
    const loads = this.#loads(resolved.members, request.exclude);
    const { busy, sleeping, offlineOnly } = classify(loads);
    const graceMs = offlineOnly ? this.#graceMs(loads) : 0;
    if (offlineOnly && !request.waitForOfflineMs && graceMs === 0) throw offline(request, resolved);
    const queue = this.#queues.get(resolved.key) ?? [];
    if (queue.length >= this.options.maxQueueLength) {
      throw queueFull(request.name, queue.length);
    }
    const mine = queue.reduce((held, waiter) => held + (waiter.request.principal.userId === request.principal.userId ? 1 : 0), 0);
    const maxMine = maxQueuedPerUser(this.options);
    if (mine >= maxMine) throw userQueueFull(request.name, mine);
    this.#queues.set(resolved.key, queue);
    const toWake = busy.length === 0 ? this.#sleeperToWake(sleeping, new Set()) : undefined;
    const waitMs = offlineOnly ? Math.max(request.waitForOfflineMs ?? 0, graceMs) : this.options.maxWaitMs;
    return new Promise<Slot>((resolve, reject) => {
      const enqueuedAt = this.clock.monotonic();
      let deadline = enqueuedAt + waitMs;
      let cancelDeadline: () => void = () => undefined;
      const settle = () => {
        waiter.settled = true;
        cancelDeadline();
        for (const cleanup of waiter.cleanups) cleanup();
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        request.onWaited?.(this.clock.monotonic() - enqueuedAt);
      };
      const armDeadline = () => {
        cancelDeadline();
        cancelDeadline = this.clock.after(Math.max(0, deadline - this.clock.monotonic()), () => {
          const waitedMs = this.clock.monotonic() - enqueuedAt;
          const stillOffline = classify(this.#loads(waiter.resolved.members, request.exclude)).offlineOnly;
          waiter.fail(stillOffline ? offline(request, waiter.resolved) : serviceUnavailable(`no capacity for ${request.name} within ${Math.round(waitedMs / 1000)} s`, 5));
        });
      };
      const waiter: Waiter = {
        request,
        resolved,
        enqueuedAt,
        waking: undefined,
        wakesFailed: new Set(),
        wakeErrors: [],
        cleanups: [],
        settled: false,
        // A request held for a wake waits as long as the wake may take; the wake's own end answers it.
        waitAtLeast: (ms) => {
          const until = this.clock.monotonic() + ms;
          if (until <= deadline) return;
          deadline = until;
          armDeadline();
        },
        // Once settled a waiter stays so: a late grant would take a slot no one releases, a late
        // failure would tell its wait a second time.
        grant: (target) => {
          if (waiter.settled) return;
          settle();
          resolve(this.#slot(target, resolved));
        },
        fail: (error) => {
          if (waiter.settled) return;
          settle();
          reject(error);
        },
      };
      queue.push(waiter);
      armDeadline();
      const onAbort = () => waiter.fail(new CallerGoneError());
      request.signal.addEventListener('abort', onAbort, { once: true });
      waiter.cleanups.push(() => request.signal.removeEventListener('abort', onAbort));
      if (toWake) this.#wakeFor(waiter, toWake);
    });
  }

  /** The sleeping member to wake: one not cooling down after a failure first, none whose wake failed for this request. */
  #sleeperToWake(sleeping: MemberLoad[], failed: ReadonlySet<string>): InferenceTarget | undefined {
    const candidates = sleeping.filter((load) => !failed.has(load.target.record.id));
    return (candidates.find((load) => !load.coolingDown) ?? candidates[0])?.target;
  }

  /**
   * Waits on the member's single wake, told every few seconds while it runs. A failed wake sends
   * the member into cooldown and wakes another sleeping member for the waiter, if there is one
   * it has not tried; with none, the waiter fails unless an active member may still serve it.
   */
  #wakeFor(waiter: Waiter, target: InferenceTarget): void {
    const startedAt = this.clock.monotonic();
    const memberId = target.record.id;
    waiter.waking = memberId;
    waiter.waitAtLeast(this.wakes.timeoutFor(target) + 1000);
    const { onWaking } = waiter.request;
    let stopNotices: () => void = () => undefined;
    if (onWaking) stopNotices = every(this.clock, this.options.wakeNoticeIntervalMs, () => onWaking(target.record.name, this.clock.monotonic() - startedAt));
    waiter.cleanups.push(() => stopNotices());
    // Woken, the member is the waiter's to wait for: no second wake starts for it on rows read
    // before the wake was recorded (a refresh under way may finish after it).
    this.wakes.wake(target).then(stopNotices, (error: unknown) => {
      stopNotices();
      if (waiter.waking === memberId) waiter.waking = undefined;
      if (waiter.settled) return;
      this.#cooldown.failed(memberId);
      waiter.wakesFailed.add(memberId);
      waiter.wakeErrors.push(error as Error);
      const { busy, sleeping } = classify(this.#loads(waiter.resolved.members, waiter.request.exclude));
      const next = this.#sleeperToWake(sleeping, waiter.wakesFailed);
      if (next) this.#wakeFor(waiter, next);
      else if (busy.length === 0) waiter.fail(wakesFailedError(waiter.request.name, waiter.wakeErrors));
    });
  }

  /**
   * Waiting requests that nothing active can serve, with a member asleep and no wake under way
   * for them (a publisher back as `hibernating`, a managed server stopped, the active member
   * deleted): a wake starts for them, as it would have had they come now.
   */
  #wakeForWaiting(): void {
    for (const waiter of [...this.#queues.values()].flat()) {
      if (waiter.waking !== undefined) continue;
      const { busy, sleeping } = classify(this.#loads(waiter.resolved.members, waiter.request.exclude));
      if (busy.length > 0) continue;
      const next = this.#sleeperToWake(sleeping, waiter.wakesFailed);
      if (next) this.#wakeFor(waiter, next);
    }
  }

  #pumpAll(): void {
    for (const key of [...this.#queues.keys()]) this.#pump(key);
  }

  /** Hands free slots to waiting requests in arrival order. */
  #pump(key: string): void {
    const queue = this.#queues.get(key);
    if (!queue) return;
    while (queue.length > 0) {
      const head = queue[0]!;
      const target = this.#pick(head.resolved, head.request.exclude);
      if (!target) break;
      head.grant(target);
    }
    if (queue.length === 0) this.#queues.delete(key);
  }

  /**
   * Statuses changed (a wake, a publisher back or gone): waiting requests look at fresh rows.
   * One whose every candidate is now offline fails at once, unless its caller asked to wait for
   * an offline LLM or its publisher is expected back after a restart.
   */
  async #refreshAll(): Promise<void> {
    const waiters = [...this.#queues.values()].flat();
    await Promise.all(
      waiters.map(async (waiter) => {
        try {
          waiter.resolved = await this.#resolve(waiter.request);
        } catch (error) {
          waiter.fail(error as Error);
        }
      }),
    );
    this.#pumpAll();
    for (const waiter of [...this.#queues.values()].flat()) {
      if (waiter.request.waitForOfflineMs) continue;
      const loads = this.#loads(waiter.resolved.members, waiter.request.exclude);
      if (classify(loads).offlineOnly && this.#graceMs(loads) === 0) waiter.fail(offline(waiter.request, waiter.resolved));
    }
    this.#wakeForWaiting();
  }

  /** The longest any of these members' publishers is still expected back after a restart. */
  #graceMs(loads: MemberLoad[]): number {
    return Math.max(0, ...loads.map((load) => this.grace.remainingMs(load.target.record.providerSessionId)));
  }

  /** Whether any member of these could take a request now (for tests and views). */
  hasFreeMember(members: InferenceTarget[]): boolean {
    return this.#loads(members, undefined).some(hasCapacity);
  }
}

/** The pool's other members kept among replicas that could serve now, the least loaded here first; none cooling down. */
function sharedAlternatives(picked: InferenceTarget, loads: MemberLoad[], shared: SharedSlots): InferenceTarget[] {
  return loads
    .filter((load) => load.target.record.id !== picked.record.id && shared.keeps(load.target) && hasCapacity(load) && load.coolingDown !== true)
    .sort((one, other) => one.inFlight - other.inFlight)
    .map((load) => load.target);
}

/** Members that can serve now or after a wake; none of either means every candidate is offline. */
function classify(loads: MemberLoad[]): { busy: MemberLoad[]; sleeping: MemberLoad[]; offlineOnly: boolean } {
  const busy = loads.filter((load) => load.target.record.status === 'active' && load.reachable);
  const sleeping = loads.filter((load) => load.target.record.status === 'hibernating' && load.reachable);
  return { busy, sleeping, offlineOnly: busy.length === 0 && sleeping.length === 0 };
}

/** On a retry, the members already tried are not counted: they failed, they are not offline. */
function offline(request: DispatchRequest, resolved: Resolved): Error {
  const others = request.exclude !== undefined && request.exclude.size > 0 ? 'other ' : '';
  const what = resolved.pooled ? `every ${others}member of pool ${request.name} is offline` : `the publisher of ${request.name} is offline`;
  return serviceUnavailable(what, 30);
}

/**
 * A pool member the caller may be sent to: one it can see, and, when private, its own. A private
 * row may join any pool (SPEC §12) because nobody else's prompts reach it, admins' included.
 */
function mayDispatchToMember(principal: Principal, member: InferenceTarget): boolean {
  if (!canSee(principal, member.record)) return false;
  return member.record.visibility === 'public' || member.record.ownerId === principal.userId;
}

/**
 * Every member woken for a request failed: the caller hears each member's failure, in the order
 * they were woken, under the last one's status, as a retried pool request does.
 */
function wakesFailedError(name: string, errors: readonly Error[]): Error {
  const last = errors.at(-1)!;
  if (errors.length < 2 || !errors.every((error) => error instanceof HttpError) || !(last instanceof HttpError)) return last;
  return new HttpError(last.statusCode, `no member of pool ${name} could be woken: ${errors.map((error) => error.message).join('; then ')}`, {
    cause: last,
    ...(last.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: last.retryAfterSeconds }),
    upstreamFailure: last.upstreamFailure,
  });
}
