import { DatabaseUnreachableError, isSocketError } from './connection-failure.js';
import type { Database } from './open-database.js';

/**
 * An open transaction. Drizzle's transaction is a `Database` as well, so every repository
 * written against `Database` runs inside one unchanged.
 */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. A
 * transaction that found no connection (the pool's connect throws a bare socket error) fails with
 * a {@link DatabaseUnreachableError}, so it reads as an outage.
 */
export function withTransaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(work).catch((error: unknown) => {
    throw isSocketError(error) ? new DatabaseUnreachableError(error) : error;
  });
}
