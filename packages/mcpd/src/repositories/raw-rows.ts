import type { SQL } from 'drizzle-orm';
import type { Database } from '@mcpctl/db';

/**
 * Runs a raw statement and answers its rows. Both drivers answer an object with `rows`; the
 * shared Database type leaves the result untyped, so the row shape is the caller's word.
 */
export async function rawRows<Row>(db: Database, statement: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(statement);
  return (result as { rows: Row[] }).rows;
}
