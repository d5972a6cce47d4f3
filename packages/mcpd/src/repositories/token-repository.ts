import { eq } from 'drizzle-orm';
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

  async insert(token: { id: string; userId: string; name: string; tokenHash: string; expiresAt?: Date | null }): Promise<TokenRow> {
    const [row] = await this.db
      .insert(tokens)
      .values({ ...token, expiresAt: token.expiresAt ?? null })
      .returning();
    if (!row) throw new Error(`inserting token ${token.name} returned no row`);
    return row;
  }
}
