import { asc, eq, or } from 'drizzle-orm';
import { llms, users, type Database, type LlmRow, type NewLlmRow } from '@mcpctl/db';

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
}
