import { hostname } from 'node:os';
import { ManualClock } from '@mcpctl/clock/manual';
import type { DatabaseHandle } from '@mcpctl/db';
import { openPostgresTestDatabase } from '@mcpctl/test-kit';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdLoneProcessLock, loneProcessRefusal, type LoneProcessLock } from '../src/repositories/lone-process-lock.js';
import { rawRows } from '../src/repositories/raw-rows.js';
import { eventually } from './support/eventually.js';

const POSTGRES_URL = process.env.MCPCTL_TEST_DATABASE_URL;
const REFUSAL = `another mcpd (pid ${process.pid} on ${hostname()}) uses this database without MCPD_NATS_URL; set MCPD_NATS_URL on every mcpd sharing the database, or stop that one first`;

/* The lock of an mcpd without NATS on PostgreSQL; the connections of one pool stand for two processes. */
describe.skipIf(!POSTGRES_URL)('the lone-process lock on PostgreSQL (MCPCTL_TEST_DATABASE_URL)', () => {
  let database: DatabaseHandle;
  let clock: ManualClock;
  let said: string[];
  const held: LoneProcessLock[] = [];
  const events = () => ({
    lost: () => void said.push('lost'),
    retaken: () => void said.push('retaken'),
    takenByAnother: (refusal: Error) => void said.push(`taken: ${refusal.message}`),
  });
  const hold = async () => {
    const lock = (await holdLoneProcessLock(database, clock, events()))!;
    held.push(lock);
    return lock;
  };
  /** Ends the lock's connection from the server's side, as a restart of PostgreSQL would. */
  const cutLockConnection = () =>
    rawRows(database.db, sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = ${`mcpd pid ${process.pid} on ${hostname()}`}`);

  beforeEach(async () => {
    database = await openPostgresTestDatabase(POSTGRES_URL!);
    clock = new ManualClock(Date.now());
    said = [];
  });

  afterEach(async () => {
    for (const lock of held.splice(0)) await lock.release();
    await database.close();
  });

  it('keeps a second holder and replicas with NATS out, naming the holder, until it is released', async () => {
    const first = await hold();
    await expect(hold()).rejects.toThrow(REFUSAL);
    expect((await loneProcessRefusal(database.db))?.message).toBe(REFUSAL);
    await first.release();
    expect(await loneProcessRefusal(database.db)).toBeUndefined();
    await hold();
  });

  it('takes the lock again after its connection was cut', async () => {
    await hold();
    await cutLockConnection();
    await eventually(() => said.includes('lost'));
    expect(await loneProcessRefusal(database.db)).toBeUndefined();
    await clock.advanceAsync(5_000);
    await eventually(() => said.includes('retaken'));
    expect((await loneProcessRefusal(database.db))?.message).toBe(REFUSAL);
  });

  it('says once that another took the database while its connection was cut', async () => {
    await hold();
    await cutLockConnection();
    await eventually(() => said.includes('lost'));
    await hold();
    for (let round = 0; round < 2; round++) {
      await clock.advanceAsync(5_000);
      // The round tried, failed, and the next is armed.
      await eventually(() => said.length === 2 && clock.nextTimerInMs !== undefined);
    }
    expect(said).toEqual(['lost', `taken: ${REFUSAL}`]);
  });
});
