import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { roleBindings, type Database, type RoleBindingRow } from '@mcpctl/db';

export type NewRoleBinding = Omit<RoleBindingRow, 'createdAt' | 'role'> & { role?: RoleBindingRow['role']; createdAt?: Date };

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

  async listForGroups(groups: string[]): Promise<RoleBindingRow[]> {
    if (groups.length === 0) return [];
    return this.db
      .select()
      .from(roleBindings)
      .where(and(eq(roleBindings.subjectKind, 'group'), inArray(roleBindings.subjectName, groups)));
  }

  async list(): Promise<RoleBindingRow[]> {
    return this.db.select().from(roleBindings).orderBy(asc(roleBindings.name));
  }

  async findById(id: string): Promise<RoleBindingRow | undefined> {
    const [row] = await this.db.select().from(roleBindings).where(eq(roleBindings.id, id)).limit(1);
    return row;
  }

  async findByName(name: string): Promise<RoleBindingRow | undefined> {
    const [row] = await this.db.select().from(roleBindings).where(eq(roleBindings.name, name)).limit(1);
    return row;
  }

  async insert(binding: NewRoleBinding): Promise<RoleBindingRow> {
    const [row] = await this.db.insert(roleBindings).values(binding).returning();
    if (!row) throw new Error(`inserting role binding ${binding.name} returned no row`);
    return row;
  }

  async update(id: string, changes: Pick<RoleBindingRow, 'subjectKind' | 'subjectName' | 'role' | 'permissions' | 'resourceNames'>): Promise<RoleBindingRow | undefined> {
    const [row] = await this.db.update(roleBindings).set(changes).where(eq(roleBindings.id, id)).returning();
    return row;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.delete(roleBindings).where(eq(roleBindings.id, id)).returning({ id: roleBindings.id });
    return deleted.length > 0;
  }

  /** A deleted user's bindings go too, so a new user of the same name does not inherit them. */
  async deleteForUser(userName: string): Promise<number> {
    const deleted = await this.db
      .delete(roleBindings)
      .where(and(eq(roleBindings.subjectKind, 'user'), eq(roleBindings.subjectName, userName)))
      .returning({ id: roleBindings.id });
    return deleted.length;
  }
}
