import { sql } from 'drizzle-orm';
import { withTransaction, type Database, type Transaction } from '@mcpctl/db';
import { rawRows } from './raw-rows.js';

/*
 * Work that must run on one replica at a time, each under a PostgreSQL advisory lock held for a
 * transaction (a pooled connection can hold no lock across statements otherwise). Fixed 64-bit
 * numbers, distinct from the migration lock and the namespace lock.
 */
const KEYS = { bootstrap: 4_172_311_987, lifecycleSweep: 4_172_311_988, sealUrls: 4_172_311_989, access: 4_172_311_991, forgetSecrets: 4_172_311_992 } as const;

export type Singleton = keyof typeof KEYS;

/** Runs `work` in a transaction that holds the singleton's lock, waiting for a replica holding it to finish. */
export function runExclusively<T>(db: Database, singleton: Singleton, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return withTransaction(db, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(KEYS[singleton]))})`);
    return work(tx);
  });
}

/** Runs `work` holding the singleton's lock, or answers undefined at once when another replica holds it. */
export function runIfFree<T>(db: Database, singleton: Singleton, work: (tx: Transaction) => Promise<T>): Promise<T | undefined> {
  return withTransaction(db, async (tx) => {
    const [row] = await rawRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${sql.raw(String(KEYS[singleton]))}) as locked`);
    return row?.locked === true ? work(tx) : undefined;
  });
}
