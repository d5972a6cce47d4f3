import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, users, withTransaction, type Database, type DatabaseHandle, type Transaction } from '../src/index.js';

/** What the services do with a transaction: hand it to code written against `Database`. */
async function insertUser(db: Database, id: string): Promise<void> {
  await db.insert(users).values({ id, name: id });
}

describe('withTransaction', () => {
  let handle: DatabaseHandle;
  beforeEach(async () => {
    handle = await openDatabase();
  });
  afterEach(async () => {
    await handle.close();
  });

  it('commits what the work wrote and answers its result', async () => {
    const answer = await withTransaction(handle.db, async (tx: Transaction) => {
      await insertUser(tx, 'ada');
      return 'written';
    });
    expect(answer).toBe('written');
    expect(await handle.db.select().from(users).where(eq(users.id, 'ada'))).toHaveLength(1);
  });

  it('rolls every write back when the work throws', async () => {
    const failing = withTransaction(handle.db, async (tx) => {
      await insertUser(tx, 'bob');
      await insertUser(tx, 'cy');
      throw new Error('refused after writing');
    });
    await expect(failing).rejects.toThrow('refused after writing');
    expect(await handle.db.select().from(users)).toEqual([]);
  });
});
