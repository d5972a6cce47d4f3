import { ManualClock } from '@mcpctl/clock/manual';
import type { DatabaseHandle } from '@mcpctl/db';
import { openEmbeddedTestDatabase } from '@mcpctl/test-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RoleBindingRepository } from '../src/repositories/role-binding-repository.js';
import { TokenRepository, type TokenWithUser } from '../src/repositories/token-repository.js';
import { AuthService } from '../src/services/auth-service.js';
import { hashToken } from '../src/security/token.js';
import { addUser } from './support/test-users.js';

/*
 * A token busy on many connections: when its cache entry lapses, every request in flight misses
 * at once. They share one lookup instead of each asking the database (at 64 connections the
 * bench saw about 50 token and 70 binding lookups every time the 2 s entry lapsed).
 */

const CACHE_MS = 2_000;

/** The real repository, counting the lookups that reach the database and able to hold their answers. */
class CountingTokens extends TokenRepository {
  lookups = 0;
  /** Lookups that have their answer from the database (held or not). */
  answered = 0;
  hold: Promise<void> | undefined;

  override async findByHash(tokenHash: string): Promise<TokenWithUser | undefined> {
    this.lookups += 1;
    const found = await super.findByHash(tokenHash);
    this.answered += 1;
    await this.hold;
    return found;
  }
}

let database: DatabaseHandle;
let token = '';
/** A user whose token one test revokes. */
let leaving = '';
let clock: ManualClock;
let tokens: CountingTokens;
let auth: AuthService;

beforeAll(async () => {
  database = await openEmbeddedTestDatabase();
  token = await addUser(database.db, 'busy-user');
  leaving = await addUser(database.db, 'leaving-user');
}, 60_000);

afterAll(async () => {
  await database?.close();
});

beforeEach(() => {
  clock = new ManualClock();
  tokens = new CountingTokens(database.db);
  auth = new AuthService(tokens, new RoleBindingRepository(database.db), clock, { cacheMs: CACHE_MS });
});

const header = () => `Bearer ${token}`;

/** Waits, a turn of the event loop at a time, until `done` holds (a lookup reaching the database). */
async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000 && !done(); turn += 1) await new Promise((resolve) => setImmediate(resolve));
  expect(done()).toBe(true);
}

/** Holds every lookup until the returned function is called. */
function holdLookups(): () => void {
  let release!: () => void;
  tokens.hold = new Promise((resolve) => (release = resolve));
  return () => {
    tokens.hold = undefined;
    release();
  };
}

describe('requests that miss the cache together', () => {
  it('share one lookup, on the first request and again when the entry lapses', async () => {
    const first = await Promise.all(Array.from({ length: 64 }, () => auth.authenticate(header())));
    expect(tokens.lookups).toBe(1);
    expect(new Set(first).size).toBe(1);
    expect(first[0]?.userName).toBe('busy-user');

    clock.advance(CACHE_MS);
    const again = await Promise.all(Array.from({ length: 64 }, () => auth.authenticate(header())));
    expect(tokens.lookups).toBe(2);
    expect(again.every((principal) => principal.userName === 'busy-user')).toBe(true);
    // Within the entry's life nothing reaches the database.
    await auth.authenticate(header());
    expect(tokens.lookups).toBe(2);
  });

  it('count a shared refusal once per request against its address', async () => {
    const limited = new AuthService(tokens, new RoleBindingRepository(database.db), clock, { cacheMs: CACHE_MS, failedAuth: { maxFailures: 5, windowMs: 60_000 } });
    const bad = 'Bearer mcpctl_guessed-0123456789abcdef';
    const answers = await Promise.allSettled(Array.from({ length: 8 }, () => limited.authenticate(bad, '203.0.113.7')));
    expect(tokens.lookups).toBe(1);
    expect(answers.map((answer) => (answer.status === 'rejected' ? (answer.reason as { statusCode?: number }).statusCode : 200))).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // Another address is not held to this one's failures.
    await expect(limited.authenticate(bad, '198.51.100.9')).rejects.toMatchObject({ statusCode: 401 });
  });

  it('all get the refusal of a token that is not valid, and the next request asks again', async () => {
    const bad = 'Bearer mcpctl_not-a-token-0123456789abcdef';
    const answers = await Promise.allSettled(Array.from({ length: 8 }, () => auth.authenticate(bad)));
    expect(answers.map((answer) => (answer.status === 'rejected' ? (answer.reason as Error).message : 'let in'))).toEqual(Array(8).fill('the token is not valid'));
    expect(tokens.lookups).toBe(1);
    await expect(auth.authenticate(bad)).rejects.toThrow('the token is not valid');
    expect(tokens.lookups).toBe(2);
  });

  it('do not keep what a lookup under way during an access change read, nor join it afterwards', async () => {
    const revoked = `Bearer ${leaving}`;
    const release = holdLookups();
    // The lookup has read the token when it is revoked (its row deleted, every cache dropped).
    const before = auth.authenticate(revoked);
    await until(() => tokens.answered === 1);
    const plain = new TokenRepository(database.db);
    const row = await plain.findByHash(hashToken(leaving));
    expect(await plain.delete(row?.token.id ?? 'missing')).toBe(true);
    auth.forgetAll();
    const after = auth.authenticate(revoked);
    release();
    // The request that asked before the change is answered as it would have been a moment earlier...
    expect((await before).userName).toBe('leaving-user');
    await expect(after).rejects.toThrow('the token is not valid');
    // ...but what it read is not kept: the next request asks the database, which refuses it.
    await expect(auth.authenticate(revoked)).rejects.toThrow('the token is not valid');
  });

  it('a fresh check asks the database even while a lookup is under way', async () => {
    const release = holdLookups();
    const pending = auth.authenticate(header());
    await until(() => tokens.lookups === 1);
    const fresh = auth.reauthenticate(header(), { fresh: true });
    expect(tokens.lookups).toBe(2);
    release();
    expect((await fresh).userName).toBe('busy-user');
    expect((await pending).userName).toBe('busy-user');
  });
});
