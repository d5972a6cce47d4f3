import { and, eq, inArray, or } from 'drizzle-orm';
import { roleBindings, type Database, type RoleBindingRow } from '@mcpctl/db';

export class RoleBindingRepository {
  constructor(private readonly db: Database) {}

  /** Bindings that name the user directly or one of its groups. */
  async listForSubject(userName: string, groups: string[]): Promise<RoleBindingRow[]> {
    const byUser = and(eq(roleBindings.subjectKind, 'user'), eq(roleBindings.subjectName, userName));
    const condition =
      groups.length > 0
        ? or(byUser, and(eq(roleBindings.subjectKind, 'group'), inArray(roleBindings.subjectName, groups)))
        : byUser;
    return this.db.select().from(roleBindings).where(condition);
  }

  async insert(binding: Omit<RoleBindingRow, 'createdAt'>): Promise<RoleBindingRow> {
    const [row] = await this.db.insert(roleBindings).values(binding).returning();
    if (!row) throw new Error(`inserting role binding ${binding.name} returned no row`);
    return row;
  }
}
