import { asc, count, eq } from 'drizzle-orm';
import type { RoleName } from '@mcpctl/protocol';
import { providerSessions, users, type Database, type UserRow } from '@mcpctl/db';

export interface NewUser {
  id: string;
  name: string;
  groups?: string[];
  /** Absent: the column default, `member`; null: no role. */
  role?: RoleName | null;
  /** Creation time; the database's clock when absent. */
  at?: Date;
}

export class UserRepository {
  constructor(private readonly db: Database) {}

  async count(): Promise<number> {
    const [row] = await this.db.select({ value: count() }).from(users);
    return row?.value ?? 0;
  }

  async list(): Promise<UserRow[]> {
    return this.db.select().from(users).orderBy(asc(users.name));
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  }

  async findByName(name: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.name, name)).limit(1);
    return row;
  }

  /**
   * Whether a user of this name exists, holding its row (`for key share`) until the transaction ends: a deletion
   * of that user (which locks the row first, {@link lockForDelete}) waits for it, and it waits
   * for a deletion already under way and then finds no user.
   */
  async holdByName(name: string): Promise<boolean> {
    const rows = await this.db.select({ id: users.id }).from(users).where(eq(users.name, name)).for('key share');
    return rows.length > 0;
  }

  /** Locks the user's row for the rest of the transaction, before its bindings and the rest go. */
  async lockForDelete(id: string): Promise<void> {
    await this.db.select({ id: users.id }).from(users).where(eq(users.id, id)).for('update');
  }

  async insert(user: NewUser): Promise<UserRow> {
    const [row] = await this.db
      .insert(users)
      .values({
        id: user.id,
        name: user.name,
        groups: user.groups ?? [],
        ...(user.role === undefined ? {} : { role: user.role }),
        ...(user.at === undefined ? {} : { createdAt: user.at, updatedAt: user.at }),
      })
      .returning();
    if (!row) throw new Error(`inserting user ${user.name} returned no row`);
    return row;
  }

  async update(id: string, changes: { groups?: string[]; role?: RoleName | null; updatedAt: Date }): Promise<UserRow | undefined> {
    const [row] = await this.db.update(users).set(changes).where(eq(users.id, id)).returning();
    return row;
  }

  /** The provider sessions (mcplocal registrations) the user owns. */
  async providerSessionIds(userId: string): Promise<string[]> {
    const rows = await this.db.select({ id: providerSessions.id }).from(providerSessions).where(eq(providerSessions.ownerId, userId));
    return rows.map((row) => row.id);
  }

  /** Deletes the user; its tokens and provider sessions go with it (foreign keys cascade). */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
    return deleted.length > 0;
  }
}
