import { and, asc, count, eq, lt } from 'drizzle-orm';
import { tokens, users, type Database, type TokenRow, type UserRow } from '@mcpctl/db';

export interface TokenWithUser {
  token: TokenRow;
  user: UserRow;
}

export class TokenRepository {
  constructor(private readonly db: Database) {}

  async findByHash(tokenHash: string): Promise<TokenWithUser | undefined> {
    const [row] = await this.db
      .select({ token: tokens, user: users })
      .from(tokens)
      .innerJoin(users, eq(tokens.userId, users.id))
      .where(eq(tokens.tokenHash, tokenHash))
      .limit(1);
    return row;
  }

  /** Every token with its user, by user name then token name. */
  async list(): Promise<TokenWithUser[]> {
    return this.db
      .select({ token: tokens, user: users })
      .from(tokens)
      .innerJoin(users, eq(tokens.userId, users.id))
      .orderBy(asc(users.name), asc(tokens.name));
  }

  async findById(id: string): Promise<TokenWithUser | undefined> {
    const [row] = await this.db
      .select({ token: tokens, user: users })
      .from(tokens)
      .innerJoin(users, eq(tokens.userId, users.id))
      .where(eq(tokens.id, id))
      .limit(1);
    return row;
  }

  async findByUserAndName(userId: string, name: string): Promise<TokenWithUser | undefined> {
    const [row] = await this.db
      .select({ token: tokens, user: users })
      .from(tokens)
      .innerJoin(users, eq(tokens.userId, users.id))
      .where(and(eq(tokens.userId, userId), eq(tokens.name, name)))
      .limit(1);
    return row;
  }

  async insert(token: { id: string; userId: string; name: string; tokenHash: string; expiresAt?: Date | null; createdAt?: Date }): Promise<TokenRow> {
    const [row] = await this.db
      .insert(tokens)
      .values({ ...token, expiresAt: token.expiresAt ?? null })
      .returning();
    if (!row) throw new Error(`inserting token ${token.name} returned no row`);
    return row;
  }

  /** Every token the user holds, expired ones included. */
  async countOwnedBy(userId: string): Promise<number> {
    const [row] = await this.db.select({ held: count() }).from(tokens).where(eq(tokens.userId, userId));
    return row?.held ?? 0;
  }

  /** Deletes the tokens that expired before `cutoff`; answers how many. */
  async deleteExpiredBefore(cutoff: Date): Promise<number> {
    const deleted = await this.db.delete(tokens).where(lt(tokens.expiresAt, cutoff)).returning({ id: tokens.id });
    return deleted.length;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.delete(tokens).where(eq(tokens.id, id)).returning({ id: tokens.id });
    return deleted.length > 0;
  }
}
