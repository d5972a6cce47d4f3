import { and, eq, isNotNull, notExists, type Column, type SQL } from 'drizzle-orm';
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
