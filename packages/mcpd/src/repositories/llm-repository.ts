import { and, asc, count, eq, inArray, isNotNull, isNull, lt, ne, notInArray, or } from 'drizzle-orm';
import { llms, users, type Database, type LlmRow, type NewLlmRow } from '@mcpctl/db';
import { noSessions, ofSessions, type SessionIds } from './of-sessions.js';
import { staleUnheld, unheld } from './unheld-session.js';

/** An LLM row with its owner's user name, as views need it. */
export interface LlmRecord extends LlmRow {
  ownerName: string | null;
}

const recordColumns = { llm: llms, ownerName: users.name };

function toRecord(row: { llm: LlmRow; ownerName: string | null }): LlmRecord {
  return { ...row.llm, ownerName: row.ownerName };
}

export class LlmRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<LlmRecord[]> {
    const rows = await this.db
      .select(recordColumns)
      .from(llms)
      .leftJoin(users, eq(llms.ownerId, users.id))
      .orderBy(asc(llms.name));
    return rows.map(toRecord);
  }

  async countByKindAndStatus(): Promise<Array<{ kind: string; status: string; count: number }>> {
    const rows = await this.db.select({ kind: llms.kind, status: llms.status, count: count() }).from(llms).groupBy(llms.kind, llms.status);
    return rows;
  }

  async listByPool(poolName: string): Promise<LlmRecord[]> {
    const rows = await this.db
      .select(recordColumns)
      .from(llms)
      .leftJoin(users, eq(llms.ownerId, users.id))
      .where(eq(llms.poolName, poolName))
      .orderBy(asc(llms.name));
    return rows.map(toRecord);
  }

  async findByName(name: string): Promise<LlmRecord | undefined> {
    const [row] = await this.db
      .select(recordColumns)
      .from(llms)
      .leftJoin(users, eq(llms.ownerId, users.id))
      .where(eq(llms.name, name))
      .limit(1);
    return row && toRecord(row);
  }

  /** A name wins over an id so that a name that looks like an id still resolves as typed. */
  async findByIdOrName(idOrName: string): Promise<LlmRecord | undefined> {
    const rows = await this.db
      .select(recordColumns)
      .from(llms)
      .leftJoin(users, eq(llms.ownerId, users.id))
      .where(or(eq(llms.name, idOrName), eq(llms.id, idOrName)))
      .limit(2);
    const row = rows.find((candidate) => candidate.llm.name === idOrName) ?? rows[0];
    return row && toRecord(row);
  }

  async insert(row: NewLlmRow): Promise<LlmRow> {
    const [inserted] = await this.db.insert(llms).values(row).returning();
    if (!inserted) throw new Error(`inserting llm ${row.name} returned no row`);
    return inserted;
  }

  async update(id: string, changes: Partial<NewLlmRow>): Promise<LlmRow | undefined> {
    const [updated] = await this.db.update(llms).set(changes).where(eq(llms.id, id)).returning();
    return updated;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.delete(llms).where(eq(llms.id, id)).returning({ id: llms.id });
    return deleted.length > 0;
  }

  /** LLMs the user owns: the public ones it registered and the virtual ones it publishes. */
  async countOwnedBy(userId: string): Promise<number> {
    const [row] = await this.db.select({ held: count() }).from(llms).where(eq(llms.ownerId, userId));
    return row?.held ?? 0;
  }

  async listBySession(sessionIds: SessionIds): Promise<LlmRow[]> {
    if (noSessions(sessionIds)) return [];
    return this.db.select().from(llms).where(ofSessions(llms.providerSessionId, sessionIds));
  }

  async findRowsByNames(names: string[]): Promise<LlmRow[]> {
    if (names.length === 0) return [];
    return this.db.select().from(llms).where(inArray(llms.name, names));
  }

  async deleteByIds(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.delete(llms).where(inArray(llms.id, ids));
  }

  /** The control stream closed: every row of the session goes inactive at once. */
  /** `unheldOnly`: only rows of sessions no replica holds a connection of (a claim wins over a release racing it). */
  async markSessionInactive(sessionIds: SessionIds, at: Date, options: { unheldOnly?: boolean } = {}): Promise<number> {
    if (noSessions(sessionIds)) return 0;
    const updated = await this.db
      .update(llms)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(and(ofSessions(llms.providerSessionId, sessionIds), ne(llms.status, 'inactive'), options.unheldOnly ? unheld(this.db, llms.providerSessionId) : undefined))
      .returning({ id: llms.id });
    return updated.length;
  }

  /** A heartbeat of a session without a stream here: the rows stay as they are, only fresher. */
  async touchSession(sessionId: string, at: Date): Promise<void> {
    await this.db.update(llms).set({ lastHeartbeatAt: at }).where(eq(llms.providerSessionId, sessionId));
  }

  /**
   * Heartbeats or a new stream: bump every row of the sessions, and bring inactive ones back.
   * Answers how many rows came back from inactive.
   */
  async reviveSession(sessionIds: SessionIds, at: Date): Promise<number> {
    if (noSessions(sessionIds)) return 0;
    await this.db
      .update(llms)
      .set({ lastHeartbeatAt: at, updatedAt: at })
      .where(and(ofSessions(llms.providerSessionId, sessionIds), ne(llms.status, 'inactive')));
    const back = await this.db
      .update(llms)
      .set({ status: 'active', lastHeartbeatAt: at, inactiveSince: null, updatedAt: at })
      .where(and(ofSessions(llms.providerSessionId, sessionIds), eq(llms.status, 'inactive')))
      .returning({ id: llms.id });
    return back.length;
  }

  /** Virtual rows of every session but `connected` go inactive; answers how many did. */
  async markUnconnectedInactive(connected: string[], at: Date): Promise<number> {
    const updated = await this.db
      .update(llms)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(
        and(
          eq(llms.kind, 'virtual'),
          ne(llms.status, 'inactive'),
          connected.length > 0 ? or(isNull(llms.providerSessionId), notInArray(llms.providerSessionId, connected)) : undefined,
        ),
      )
      .returning({ id: llms.id });
    return updated.length;
  }

  /**
   * Rows of a publisher that registered and never opened its stream (heartbeats or not) go
   * inactive: see {@link staleUnheld}. Answers how many did.
   */
  async markUnheldInactive(heldHere: readonly string[], cutoff: Date, at: Date, options: { clustered: boolean }): Promise<number> {
    const updated = await this.db
      .update(llms)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(staleUnheld(this.db, llms, heldHere, cutoff, options.clustered))
      .returning({ id: llms.id });
    return updated.length;
  }

  /** Virtual rows whose publisher stopped heartbeating before `cutoff` go inactive. */
  async markSilentInactive(cutoff: Date, at: Date): Promise<number> {
    const updated = await this.db
      .update(llms)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(and(eq(llms.kind, 'virtual'), ne(llms.status, 'inactive'), lt(llms.lastHeartbeatAt, cutoff)))
      .returning({ id: llms.id });
    return updated.length;
  }

  /** Virtual rows inactive since before `cutoff` are deleted. */
  async deleteInactiveSince(cutoff: Date): Promise<number> {
    const deleted = await this.db
      .delete(llms)
      .where(and(eq(llms.kind, 'virtual'), eq(llms.status, 'inactive'), isNotNull(llms.inactiveSince), lt(llms.inactiveSince, cutoff)))
      .returning({ id: llms.id });
    return deleted.length;
  }

  /** Active rows of the session among `names` go to sleep. */
  async markHibernating(sessionId: string, names: string[], at: Date): Promise<void> {
    await this.db
      .update(llms)
      .set({ status: 'hibernating', updatedAt: at })
      .where(and(eq(llms.providerSessionId, sessionId), inArray(llms.name, names), eq(llms.status, 'active')));
  }

  /** Hibernating rows of the session among `names` serve again: their backend came up without a wake from here. */
  async markServing(sessionId: string, names: string[], at: Date): Promise<void> {
    await this.db
      .update(llms)
      .set({ status: 'active', updatedAt: at })
      .where(and(eq(llms.providerSessionId, sessionId), inArray(llms.name, names), eq(llms.status, 'hibernating')));
  }

  /** A wake succeeded: the row serves again, and its wake time is kept for `describe`. */
  async markAwake(id: string, at: Date, wakeMs: number): Promise<void> {
    await this.db
      .update(llms)
      .set({ status: 'active', lastWakeAt: at, lastWakeMs: wakeMs, updatedAt: at })
      .where(and(eq(llms.id, id), eq(llms.status, 'hibernating')));
  }
}
