import { and, asc, count, eq, gte, inArray, isNotNull, isNull, lt, notExists, or } from 'drizzle-orm';
import type { ProviderTransport } from '@mcpctl/protocol';
import { agents, llms, providerSessions, users, type Database, type ProviderSessionRow } from '@mcpctl/db';
import { noSessions, ofSessions, type SessionIds } from './of-sessions.js';

export class ProviderSessionRepository {
  constructor(private readonly db: Database) {}

  async findById(id: string): Promise<ProviderSessionRow | undefined> {
    const [row] = await this.db.select().from(providerSessions).where(eq(providerSessions.id, id)).limit(1);
    return row;
  }

  async countOwnedBy(userId: string): Promise<number> {
    const [row] = await this.db.select({ held: count() }).from(providerSessions).where(eq(providerSessions.ownerId, userId));
    return row?.held ?? 0;
  }

  async insert(session: { id: string; ownerId: string; lastHeartbeatAt: Date; createdAt: Date }): Promise<void> {
    await this.db.insert(providerSessions).values(session);
  }

  /** The session's connection is on `replicaId` now, travelling by `transport`, opened at `connectedAt`. */
  async setReplica(id: string, replicaId: string, transport: ProviderTransport, connectedAt: Date): Promise<void> {
    await this.db.update(providerSessions).set({ replicaId, transport, connectedAt }).where(eq(providerSessions.id, id));
  }

  /** How the connections of those sessions that some replica holds travel. */
  async transportsOf(ids: readonly string[]): Promise<Map<string, ProviderTransport>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .select({ id: providerSessions.id, transport: providerSessions.transport })
      .from(providerSessions)
      .where(and(inArray(providerSessions.id, [...ids]), isNotNull(providerSessions.replicaId)));
    return new Map(rows.flatMap((row) => (row.transport ? [[row.id, row.transport] as const] : [])));
  }

  /**
   * The session's connection on `replicaId` ended: answers true when no other replica took the
   * session meanwhile (its rows are then this replica's to mark inactive).
   */
  async releaseReplica(id: string, replicaId: string): Promise<boolean> {
    const released = await this.db
      .update(providerSessions)
      .set({ replicaId: null, transport: null, connectedAt: null })
      .where(and(eq(providerSessions.id, id), or(eq(providerSessions.replicaId, replicaId), isNull(providerSessions.replicaId))))
      .returning({ id: providerSessions.id });
    return released.length > 0;
  }

  /** Claims the session for `replicaId` unless another replica holds it; answers whether it did. */
  async claimIfFree(id: string, replicaId: string, transport: ProviderTransport, connectedAt: Date): Promise<boolean> {
    const claimed = await this.db
      .update(providerSessions)
      .set({ replicaId, transport, connectedAt })
      .where(and(eq(providerSessions.id, id), or(isNull(providerSessions.replicaId), eq(providerSessions.replicaId, replicaId))))
      .returning({ id: providerSessions.id });
    return claimed.length > 0;
  }

  /** Every session with its owner's name and the LLMs it publishes (oldest session first); `ownerId` limits it to one user's. */
  async listWithOwners(ownerId?: string): Promise<Array<ProviderSessionRow & { ownerName: string; llmNames: string[] }>> {
    const rows = await this.db
      .select({ session: providerSessions, ownerName: users.name })
      .from(providerSessions)
      .innerJoin(users, eq(users.id, providerSessions.ownerId))
      .where(ownerId === undefined ? undefined : eq(providerSessions.ownerId, ownerId))
      .orderBy(asc(providerSessions.createdAt), asc(providerSessions.id));
    if (rows.length === 0) return [];
    const published = await this.db
      .select({ sessionId: llms.providerSessionId, name: llms.name })
      .from(llms)
      .where(inArray(llms.providerSessionId, rows.map((row) => row.session.id)))
      .orderBy(asc(llms.name));
    const namesOf = new Map<string, string[]>();
    for (const { sessionId, name } of published) if (sessionId) namesOf.set(sessionId, [...(namesOf.get(sessionId) ?? []), name]);
    return rows.map((row) => ({ ...row.session, ownerName: row.ownerName, llmNames: namesOf.get(row.session.id) ?? [] }));
  }

  async touch(ids: SessionIds, at: Date): Promise<void> {
    if (noSessions(ids)) return;
    await this.db.update(providerSessions).set({ lastHeartbeatAt: at }).where(ofSessions(providerSessions.id, ids));
  }

  /** Sessions heard from (register, heartbeat, stream) at or after `since`. */
  async listHeardSince(since: Date): Promise<string[]> {
    const rows = await this.db.select({ id: providerSessions.id }).from(providerSessions).where(gte(providerSessions.lastHeartbeatAt, since));
    return rows.map((row) => row.id);
  }

  /** Those of `ids` whose last heartbeat is older than `cutoff`. */
  async listSilentAmong(ids: string[], cutoff: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .select({ id: providerSessions.id })
      .from(providerSessions)
      .where(and(inArray(providerSessions.id, ids), lt(providerSessions.lastHeartbeatAt, cutoff)));
    return rows.map((row) => row.id);
  }

  /** Sessions whose last heartbeat is older than `cutoff`. */
  async listSilentSince(cutoff: Date): Promise<string[]> {
    const rows = await this.db.select({ id: providerSessions.id }).from(providerSessions).where(lt(providerSessions.lastHeartbeatAt, cutoff));
    return rows.map((row) => row.id);
  }

  /** Sessions that publish nothing any more and have been silent since `cutoff`. */
  async deleteEmptySilentSince(cutoff: Date): Promise<number> {
    const deleted = await this.db
      .delete(providerSessions)
      .where(
        and(
          lt(providerSessions.lastHeartbeatAt, cutoff),
          notExists(this.db.select({ id: llms.id }).from(llms).where(eq(llms.providerSessionId, providerSessions.id))),
          notExists(this.db.select({ id: agents.id }).from(agents).where(eq(agents.providerSessionId, providerSessions.id))),
        ),
      )
      .returning({ id: providerSessions.id });
    return deleted.length;
  }
}
