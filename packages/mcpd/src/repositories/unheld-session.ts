import { and, eq, isNotNull, lt, ne, notExists, notInArray, type Column, type SQL } from 'drizzle-orm';
import { providerSessions, type Database } from '@mcpctl/db';

/** A row condition: its session (`sessionColumn`) has no replica holding its connection. */
export function unheld(db: Database, sessionColumn: Column): SQL {
  return notExists(
    db
      .select({ id: providerSessions.id })
      .from(providerSessions)
      .where(and(eq(providerSessions.id, sessionColumn), isNotNull(providerSessions.replicaId))),
  );
}

/** The columns `llms` and `agents` share for a published row's life. */
interface PublishedRowColumns {
  kind: Column;
  status: Column;
  updatedAt: Column;
  providerSessionId: Column;
}

/**
 * A row condition: a virtual row still marked serving whose session's connection nobody holds,
 * and that nothing published, revived or edited since `cutoff`. Held means among `heldHere` (this
 * process's connections) or, among replicas (`clustered`), claimed by a replica in
 * `provider_sessions`; a process alone does not read that column, which only replicas keep.
 */
export function staleUnheld(db: Database, table: PublishedRowColumns, heldHere: readonly string[], cutoff: Date, clustered: boolean): SQL | undefined {
  return and(
    eq(table.kind, 'virtual'),
    isNotNull(table.providerSessionId),
    ne(table.status, 'inactive'),
    lt(table.updatedAt, cutoff),
    heldHere.length > 0 ? notInArray(table.providerSessionId, [...heldHere]) : undefined,
    clustered ? unheld(db, table.providerSessionId) : undefined,
  );
}
