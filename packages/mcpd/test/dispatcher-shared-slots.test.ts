import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import type { InferenceTarget, LlmCatalog } from '../src/catalog/llm-catalog.js';
import { Dispatcher, type DispatchRequest } from '../src/dispatch/dispatcher.js';
import { InFlightTracker } from '../src/dispatch/in-flight-tracker.js';
import type { ReconnectGrace } from '../src/dispatch/reconnect-grace.js';
import type { SharedSlots, SharedTurn } from '../src/dispatch/shared-llm-slots.js';
import type { WakeCoordinator } from '../src/dispatch/wake-coordinator.js';
import type { Principal } from '../src/rbac/principal.js';
import type { TaskRouter } from '../src/relay/task-router.js';

/*
 * How the dispatcher uses the slots kept among replicas (`SharedSlots`, tested on real databases
 * in shared-llm-slots.test.ts) for a pool: which member it asks first, which it waits on, and
 * what it does with a turn on a member that changed while the request waited. The slots here
 * are the test's: each member is free or full as the test says, and a wait ends when it says.
 */

const member = (id: string, maxConcurrent: number | null, kind = 'public') =>
  ({ record: { id, name: id, kind, status: 'active', maxConcurrent, visibility: 'public', ownerId: null, poolName: 'mix', providerSessionId: null }, apiKey: undefined }) as unknown as InferenceTarget;

class Members {
  list: InferenceTarget[] = [];
  readonly catalog = { find: async () => undefined, findPool: async () => this.list, onChange: () => () => undefined } as unknown as LlmCatalog;
}

interface Wait {
  candidates: string[];
  grant(target: InferenceTarget): void;
}

/** Slots among replicas as the test sets them: `free` members grant at once; a wait is held until granted. */
class TestSlots implements SharedSlots {
  readonly free = new Set<string>();
  readonly waits: Wait[] = [];
  readonly released: string[] = [];
  waiting = 0;

  keeps(target: InferenceTarget): boolean {
    return target.record.kind === 'public' && target.record.maxConcurrent !== null;
  }

  async takeAny(candidates: readonly InferenceTarget[]): Promise<SharedTurn> {
    return (await this.tryAny(candidates)) ?? this.waitFor(candidates);
  }

  async tryAny(candidates: readonly InferenceTarget[]): Promise<SharedTurn | undefined> {
    const target = candidates.find((candidate) => this.free.has(candidate.record.id));
    return target && this.#turn(target);
  }

  waitFor(candidates: readonly InferenceTarget[]): Promise<SharedTurn> {
    this.waiting += 1;
    return new Promise((resolve) => {
      this.waits.push({
        candidates: candidates.map((candidate) => candidate.record.id),
        grant: (target) => {
          this.waiting -= 1;
          resolve(this.#turn(target));
        },
      });
    });
  }

  waitingOn(llmId: string): number {
    return this.waits.filter((wait) => wait.candidates[0] === llmId).length;
  }

  waitingFor(): number {
    return this.waiting;
  }

  oldestWaitMs(): number {
    return 0;
  }

  waitingKeys(): Iterable<string> {
    return [];
  }

  #turn(target: InferenceTarget): SharedTurn {
    return { target, release: () => void this.released.push(target.record.id) };
  }
}

function setUp() {
  const members = new Members();
  const slots = new TestSlots();
  const inFlight = new InFlightTracker();
  const dispatcher = new Dispatcher(
    members.catalog,
    { reachable: () => true } as unknown as TaskRouter,
    inFlight,
    // No member sleeps here: nothing is woken.
    {} as unknown as WakeCoordinator,
    { remainingMs: () => 0 } as unknown as ReconnectGrace,
    new ManualClock(),
    { maxQueueLength: 10, maxWaitMs: 60_000, memberCooldownMs: 0, wakeNoticeIntervalMs: 1_000 },
    slots,
  );
  const request: DispatchRequest = {
    principal: { userId: 'u1', userName: 'alice', admin: true, can: () => true } as unknown as Principal,
    name: 'mix',
    signal: new AbortController().signal,
  };
  return { members, slots, inFlight, dispatcher, request };
}

/** Settles what is due now, so a request that is not waiting has its slot. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('a pool with members whose slots are kept among replicas', () => {
  it('runs a request on a member this replica counts itself while every member kept among replicas is full', async () => {
    const { members, slots, dispatcher, request } = setUp();
    members.list = [member('p', 1), member('u', null)];
    const slotsTaken = await Promise.all(Array.from({ length: 6 }, () => dispatcher.acquire(request)));
    expect(slotsTaken.map((slot) => slot.target.record.id)).toEqual(['u', 'u', 'u', 'u', 'u', 'u']);
    expect(slots.waits).toEqual([]);
  });

  it('takes a free slot on any member kept among replicas before waiting', async () => {
    const { members, slots, dispatcher, request } = setUp();
    members.list = [member('p', 1), member('q', 1)];
    slots.free.add('q');
    expect((await dispatcher.acquire(request)).target.record.id).toBe('q');
  });

  it('counts a request waiting for its turn as load: the next waits on another member first, and both count as queued, not in flight', async () => {
    const { members, slots, inFlight, dispatcher, request } = setUp();
    members.list = [member('p', 1), member('q', 1)];
    const first = dispatcher.acquire(request);
    await settle();
    const second = dispatcher.acquire(request);
    await settle();
    expect(slots.waits.map((wait) => wait.candidates)).toEqual([
      ['p', 'q'],
      ['q', 'p'],
    ]);
    expect(inFlight.count('p') + inFlight.count('q')).toBe(0);
    slots.waits[0]!.grant(members.list[0]!);
    slots.waits[1]!.grant(members.list[1]!);
    const [one, two] = await Promise.all([first, second]);
    expect([one.target.record.id, two.target.record.id]).toEqual(['p', 'q']);
    expect(inFlight.count('p')).toBe(1);
    one.release();
    expect(slots.released).toEqual(['p']);
    expect(inFlight.count('p')).toBe(0);
  });

  it('gives back a turn on a member that left the pool while the request waited, and asks again', async () => {
    const { members, slots, dispatcher, request } = setUp();
    const [p, q] = [member('p', 1), member('q', 1)];
    members.list = [p, q];
    const taken = dispatcher.acquire(request);
    await settle();
    members.list = [q];
    slots.free.add('q');
    slots.waits[0]!.grant(p);
    expect((await taken).target.record.id).toBe('q');
    expect(slots.released).toEqual(['p']);
  });

  it('runs a turn on the member as it is now, not as it was when the request began to wait', async () => {
    const { members, slots, dispatcher, request } = setUp();
    const before = member('p', 1);
    members.list = [before];
    const taken = dispatcher.acquire(request);
    await settle();
    const after = member('p', 2);
    members.list = [after];
    slots.waits[0]!.grant(before);
    expect((await taken).target).toBe(after);
  });
});
