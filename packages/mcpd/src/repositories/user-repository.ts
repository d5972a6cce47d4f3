import { count, eq } from 'drizzle-orm';
import { users, type Database, type UserRow } from '@mcpctl/db';

export class UserRepository {
  constructor(private readonly db: Database) {}

  async count(): Promise<number> {
    const [row] = await this.db.select({ value: count() }).from(users);
    return row?.value ?? 0;
  }

  async findByName(name: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.name, name)).limit(1);
    return row;
  }

  async insert(user: { id: string; name: string; groups?: string[] }): Promise<UserRow> {
    const [row] = await this.db
      .insert(users)
      .values({ id: user.id, name: user.name, groups: user.groups ?? [] })
      .returning();
    if (!row) throw new Error(`inserting user ${user.name} returned no row`);
    return row;
  }
}
