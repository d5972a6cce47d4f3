import { ManualClock } from '@mcpctl/clock/manual';
import type { DatabaseHandle } from '@mcpctl/db';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InferenceTarget } from '../src/catalog/llm-catalog.js';
import { SharedLlmSlots, type SharedSlotsOptions } from '../src/dispatch/shared-llm-slots.js';
import { HttpError } from '../src/errors.js';
import { CallerGoneError } from '../src/inference/upstream-call.js';
import type { RelayBus } from '../src/relay/relay-bus.js';
import { rawRows } from '../src/repositories/raw-rows.js';
import { ReplicaRepository } from '../src/repositories/replica-repository.js';
import { SlotClaimRepository } from '../src/repositories/slot-claim-repository.js';
import { eventually } from './support/eventually.js';

/*
 * `maxConcurrent` of a public LLM among replicas (issue 14 item 2): two replicas' slot keepers on
 * one database, their "slot freed" news passed straight to each other as the bus would.
 */
describe.each(testDatabaseVariants())('SharedLlmSlots on $name', (variant) => {
  let database: DatabaseHandle;
  let clock: ManualClock;
  const errors: unknown[] = [];

  beforeEach(async () => {
    database = await variant.open();
    clock = new ManualClock();
    errors.length = 0;
    const replicas = new ReplicaRepository(database.db);
    await replicas.beat('a');
    await replicas.beat('b');
  });

  afterEach(async () => {
    expect(errors).toEqual([]);
    await database.close();
  });

  const options: SharedSlotsOptions = { maxQueueLength: 100, maxQueuedPerUser: 100, maxWaitMs: 60_000, retryMs: 1_000, sweepMs: 5_000 };

  /** Replicas a and b, each telling the other when it gives a slot back. */
  const pair = (overrides: Partial<SharedSlotsOptions> = {}) => {
    const keepers: Record<string, SharedLlmSlots> = {};
    for (const [name, other] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const bus = { replicaId: name, slotsFreed: (llmId: string) => keepers[other]!.freed(llmId) } as unknown as RelayBus;
      keepers[name] = new SharedLlmSlots(new SlotClaimRepository(database.db), bus, clock, { ...options, ...overrides }, (error) => errors.push(error));
    }
    return { a: keepers.a!, b: keepers.b! };
  };

  const llm = (maxConcurrent: number, id = 'llm-1') => ({ record: { id, name: 'shared-model', kind: 'public', maxConcurrent } }) as unknown as InferenceTarget;
  const caller = (userId = 'alice') => ({ userId, signal: new AbortController().signal });
  const grantedInDatabase = async () =>
    (await rawRows<{ count: number }>(database.db, sql`select count(*)::int as count from llm_slot_claims where granted`))[0]!.count;
  const stored = async () => (await rawRows<{ count: number }>(database.db, sql`select count(*)::int as count from llm_slot_claims`))[0]!.count;

  it('keeps public LLMs with a limit only', () => {
    const { a } = pair();
    expect(a.keeps(llm(2))).toBe(true);
    expect(a.keeps({ record: { kind: 'public', maxConcurrent: null } } as unknown as InferenceTarget)).toBe(false);
    expect(a.keeps({ record: { kind: 'virtual', maxConcurrent: 2 } } as unknown as InferenceTarget)).toBe(false);
  });

  it('runs at most the limit over both replicas, and hands freed slots out in the order the claims were made', async () => {
    const { a, b } = pair();
    const target = llm(2);
    const releaseA1 = await a.take(target, caller());
    const releaseB1 = await b.take(target, caller());
    const order: string[] = [];
    const waiting = new Map<string, Promise<() => void>>();
    // Made one after another, alternating replicas: b2, a2, b3, a3.
    for (const name of ['b2', 'a2', 'b3', 'a3']) {
      const keeper = name.startsWith('a') ? a : b;
      const taken = keeper.take(target, caller());
      waiting.set(name, taken);
      void taken.then(() => order.push(name));
      await eventually(async () => (await stored()) === 2 + waiting.size);
    }
    expect(await grantedInDatabase()).toBe(2);
    await eventually(() => a.waiting === 2 && b.waiting === 2);
    releaseA1();
    const releaseB2 = await waiting.get('b2')!;
    expect(order).toEqual(['b2']);
    releaseB1();
    const releaseA2 = await waiting.get('a2')!;
    expect(order).toEqual(['b2', 'a2']);
    expect(await grantedInDatabase()).toBe(2);
    releaseA2();
    await waiting.get('b3');
    expect(order).toEqual(['b2', 'a2', 'b3']);
    releaseB2();
    await waiting.get('a3');
    expect(order).toEqual(['b2', 'a2', 'b3', 'a3']);
    (await waiting.get('b3')!)();
    (await waiting.get('a3')!)();
    await eventually(async () => (await stored()) === 0);
  });

  it('never runs more than the limit while many callers on both replicas come and go at once', async () => {
    const { a, b } = pair();
    const target = llm(3);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const release = await (index % 2 === 0 ? a : b).take(target, caller(`user-${index % 5}`));
        running += 1;
        most = Math.max(most, running);
        expect(await grantedInDatabase()).toBeLessThanOrEqual(3);
        await new Promise((resolve) => setTimeout(resolve, index % 3));
        running -= 1;
        release();
      }),
    );
    expect(most).toBe(3);
    await eventually(async () => (await stored()) === 0);
    await eventually(() => a.held + b.held === 0);
  });

  it('refuses a claim with 429 when the queue is full, or when its user already waits their share', async () => {
    const { a, b } = pair({ maxQueueLength: 2, maxQueuedPerUser: 1 });
    const target = llm(1);
    await a.take(target, caller('alice'));
    void b.take(target, caller('alice')).catch(() => undefined);
    await eventually(async () => (await stored()) === 2);
    const mine = await a.take(target, caller('alice')).catch((error: unknown) => error);
    expect(mine).toBeInstanceOf(HttpError);
    expect(mine).toMatchObject({ statusCode: 429, message: expect.stringContaining('you already have 1 request waiting for shared-model') });
    void b.take(target, caller('bob')).catch(() => undefined);
    await eventually(async () => (await stored()) === 3);
    const full = await a.take(target, caller('carol')).catch((error: unknown) => error);
    expect(full).toMatchObject({ statusCode: 429, message: 'the queue for shared-model is full (2 waiting); try again shortly' });
    // A refused claim leaves nothing behind.
    expect(await stored()).toBe(3);
  });

  it('gives up the place of a caller that leaves and of a wait past the limit (503), so the next claim gets the slot', async () => {
    const { a, b } = pair({ maxWaitMs: 10_000 });
    const target = llm(1);
    const release = await a.take(target, caller());
    const leaving = new AbortController();
    const left = b.take(target, { userId: 'alice', signal: leaving.signal }).catch((error: unknown) => error);
    // Each wait's deadline is armed once its claim is stored: waited for before the clock moves.
    await eventually(() => clock.pendingTimers === 1);
    const late = a.take(target, caller()).catch((error: unknown) => error);
    await eventually(() => clock.pendingTimers === 2);
    clock.advance(5_000);
    const next = b.take(target, caller());
    await eventually(() => clock.pendingTimers === 3);
    leaving.abort();
    expect(await left).toBeInstanceOf(CallerGoneError);
    // Late has waited 10 s, next 5 s.
    clock.advance(5_000);
    expect(await late).toMatchObject({ statusCode: 503, message: 'no capacity for shared-model within 10 s' });
    await eventually(async () => (await stored()) === 2);
    release();
    (await next)();
    await eventually(async () => (await stored()) === 0);
  });

  it('sweeps the claims of a dead replica, and one waiting on a live replica gets the slot', async () => {
    const { a, b } = pair();
    const target = llm(1);
    await a.take(target, caller());
    const waiting = b.take(target, caller());
    await eventually(async () => (await stored()) === 2);
    // Replica a dies: its liveness row is swept, and its claim goes with the next sweep anywhere.
    await database.db.execute(sql`delete from mcpd_replicas where id = 'a'`);
    await b.sweep();
    (await waiting)();
    await eventually(async () => (await stored()) === 0);
  });

  it('makes a waiting claim again when it was swept while its replica lived (taken for dead), and it gets its turn', async () => {
    const { a, b } = pair();
    const target = llm(1);
    const release = await a.take(target, caller());
    const waiting = b.take(target, caller());
    await eventually(async () => (await stored()) === 2);
    await database.db.execute(sql`delete from llm_slot_claims where replica_id = 'b'`);
    release();
    (await waiting)();
    await eventually(async () => (await stored()) === 0);
    await eventually(() => b.held === 0);
  });

  it('removes a claim whose release failed at the next sweep, and one waiting gets the slot', async () => {
    let failures = 1;
    class FlakyClaims extends SlotClaimRepository {
      override release(id: string): Promise<void> {
        if (failures-- > 0) return Promise.reject(new Error('connection reset'));
        return super.release(id);
      }
    }
    const { b } = pair();
    const bus = { replicaId: 'a', slotsFreed: (llmId: string) => b.freed(llmId) } as unknown as RelayBus;
    const seen: unknown[] = [];
    const a = new SharedLlmSlots(new FlakyClaims(database.db), bus, clock, options, (error) => seen.push(error));
    const target = llm(1);
    (await a.take(target, caller()))();
    await eventually(() => seen.length === 1);
    expect(await stored()).toBe(1);
    const waiting = b.take(target, caller());
    await eventually(async () => (await stored()) === 2);
    await a.sweep();
    (await waiting)();
    await eventually(async () => (await stored()) === 0);
  });

  it('answers a claim granted before its replica asked (granted by another round) as granted', async () => {
    const claims = new SlotClaimRepository(database.db);
    const made = (id: string, replicaId: string) => claims.claim({ id, llmId: 'llm-1', replicaId, userId: 'alice', limit: 1, maxWaiting: 10, maxWaitingPerUser: 10 });
    expect(await made('first', 'a')).toEqual({ state: 'granted' });
    expect(await made('second', 'b')).toEqual({ state: 'waiting' });
    expect(await claims.grantTurns('llm-1', 'b', 1)).toEqual(new Map([['second', false]]));
    await claims.release('first');
    expect(await claims.grantTurns('llm-1', 'b', 1)).toEqual(new Map([['second', true]]));
    // Asked again (a waiter listed only now): still answered, as granted.
    expect(await claims.grantTurns('llm-1', 'b', 1)).toEqual(new Map([['second', true]]));
    // Made again under the same id: answered as it stands, never stored twice.
    expect(await made('second', 'b')).toEqual({ state: 'granted' });
    expect(await stored()).toBe(1);
  });

  it('stores the claims of running requests again when its replica was taken for dead, so a new claim waits', async () => {
    const { a, b } = pair();
    const target = llm(1);
    const release = await a.take(target, caller());
    await database.db.execute(sql`delete from llm_slot_claims where replica_id = 'a'`);
    await a.restore();
    expect(await grantedInDatabase()).toBe(1);
    const waiting = b.take(target, caller());
    await eventually(async () => (await stored()) === 2);
    release();
    (await waiting)();
    await eventually(async () => (await stored()) === 0);
  });

  it("gives a pool's request a free member at once, else a slot freed on any member while it waits in the first one's line", async () => {
    const { a, b } = pair();
    const x = llm(1, 'llm-x');
    const y = llm(1, 'llm-y');
    const onX = await a.take(x, caller());
    // x is busy on replica a: b's request for the pool runs on y, and nothing waits.
    const onY = await b.takeAny([x, y], { ...caller(), key: 'pool:duo' });
    expect(onY.target).toBe(y);
    expect(b.waiting).toBe(0);

    const waiting = a.takeAny([x, y], { ...caller(), key: 'pool:duo' });
    await eventually(async () => (await stored()) === 3);
    await eventually(() => a.waiting === 1);
    // Counted under the pool's name, as the dispatcher's views count it.
    expect(a.waitingFor('pool:duo')).toBe(1);
    expect(a.waitingFor('llm:shared-model')).toBe(0);
    expect([...a.waitingKeys()]).toEqual(['pool:duo']);
    clock.advance(1_500);
    expect(a.oldestWaitMs('pool:duo')).toBe(1_500);

    // y frees on replica b before x does: the request waiting in x's line takes it, and leaves that line.
    onY.release();
    const turn = await waiting;
    expect(turn.target).toBe(y);
    expect(a.waiting).toBe(0);
    expect(a.oldestWaitMs('pool:duo')).toBe(0);
    await eventually(async () => (await stored()) === 2);
    expect(await grantedInDatabase()).toBe(2);
    turn.release();
    onX();
    await eventually(async () => (await stored()) === 0);
    await eventually(() => a.held + b.held === 0);
  });

  it('gives up every claim of its replica when it stops', async () => {
    const { a } = pair();
    await a.take(llm(2), caller());
    await a.take(llm(2), caller());
    await a.stop();
    expect(await stored()).toBe(0);
  });
});
