import { and, asc, count, eq, inArray, isNotNull, isNull, lt, ne, notInArray, or } from 'drizzle-orm';
import { agents, users, type AgentRow, type Database, type NewAgentRow } from '@mcpctl/db';
import { noSessions, ofSessions, type SessionIds } from './of-sessions.js';
import { staleUnheld, unheld } from './unheld-session.js';

/** An agent row with its owner's user name, as views need it. */
export interface AgentRecord extends AgentRow {
  ownerName: string | null;
}

const recordColumns = { agent: agents, ownerName: users.name };
const toRecord = (row: { agent: AgentRow; ownerName: string | null }): AgentRecord => ({ ...row.agent, ownerName: row.ownerName });

export class AgentRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<AgentRecord[]> {
    const rows = await this.db.select(recordColumns).from(agents).leftJoin(users, eq(agents.ownerId, users.id)).orderBy(asc(agents.name));
    return rows.map(toRecord);
  }

  /** A name wins over an id. */
  async findByIdOrName(idOrName: string): Promise<AgentRecord | undefined> {
    const rows = await this.db
      .select(recordColumns)
      .from(agents)
      .leftJoin(users, eq(agents.ownerId, users.id))
      .where(or(eq(agents.name, idOrName), eq(agents.id, idOrName)))
      .limit(2);
    const row = rows.find((candidate) => candidate.agent.name === idOrName) ?? rows[0];
    return row && toRecord(row);
  }

  async findRowsByNames(names: string[]): Promise<AgentRow[]> {
    if (names.length === 0) return [];
    return this.db.select().from(agents).where(inArray(agents.name, names));
  }

  async listBySession(sessionId: string): Promise<AgentRow[]> {
    return this.db.select().from(agents).where(eq(agents.providerSessionId, sessionId));
  }

  /** Agents the user owns, public and virtual. */
  async countOwnedBy(userId: string): Promise<number> {
    const [row] = await this.db.select({ held: count() }).from(agents).where(eq(agents.ownerId, userId));
    return row?.held ?? 0;
  }

  async insert(row: NewAgentRow): Promise<void> {
    await this.db.insert(agents).values(row);
  }

  async update(id: string, changes: Partial<NewAgentRow>): Promise<void> {
    await this.db.update(agents).set(changes).where(eq(agents.id, id));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.delete(agents).where(eq(agents.id, id)).returning({ id: agents.id })).length > 0;
  }

  async deleteByIds(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.db.delete(agents).where(inArray(agents.id, ids));
  }

  /** Virtual agents share their session's lifecycle: inactive with it… */
  async markSessionInactive(sessionIds: SessionIds, at: Date, options: { unheldOnly?: boolean } = {}): Promise<void> {
    if (noSessions(sessionIds)) return;
    await this.db
      .update(agents)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(and(ofSessions(agents.providerSessionId, sessionIds), ne(agents.status, 'inactive'), options.unheldOnly ? unheld(this.db, agents.providerSessionId) : undefined));
  }

  /** …back with it… */
  async reviveSession(sessionIds: SessionIds, at: Date): Promise<number> {
    if (noSessions(sessionIds)) return 0;
    const back = await this.db
      .update(agents)
      .set({ status: 'active', inactiveSince: null, updatedAt: at })
      .where(and(ofSessions(agents.providerSessionId, sessionIds), eq(agents.status, 'inactive')))
      .returning({ id: agents.id });
    return back.length;
  }

  /** …and deleted with it. */
  async deleteInactiveSince(cutoff: Date): Promise<number> {
    const deleted = await this.db
      .delete(agents)
      .where(and(eq(agents.kind, 'virtual'), eq(agents.status, 'inactive'), isNotNull(agents.inactiveSince), lt(agents.inactiveSince, cutoff)))
      .returning({ id: agents.id });
    return deleted.length;
  }

  /** Virtual agents of every session but `connected` go inactive. */
  async markUnconnectedInactive(connected: string[], at: Date): Promise<void> {
    await this.db
      .update(agents)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(
        and(
          eq(agents.kind, 'virtual'),
          ne(agents.status, 'inactive'),
          connected.length > 0 ? or(isNull(agents.providerSessionId), notInArray(agents.providerSessionId, connected)) : undefined,
        ),
      );
  }

  /** Virtual agents by the rule of {@link LlmRepository.markUnheldInactive}, on their own rows. */
  async markUnheldInactive(heldHere: readonly string[], cutoff: Date, at: Date, options: { clustered: boolean }): Promise<number> {
    const updated = await this.db
      .update(agents)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(staleUnheld(this.db, agents, heldHere, cutoff, options.clustered))
      .returning({ id: agents.id });
    return updated.length;
  }

  /** Virtual agents of sessions whose rows went silent follow them to inactive. */
  async markInactiveWhereSessionSilent(sessionIds: string[], at: Date): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.db
      .update(agents)
      .set({ status: 'inactive', inactiveSince: at, updatedAt: at })
      .where(and(inArray(agents.providerSessionId, sessionIds), ne(agents.status, 'inactive')));
  }
}
