import { users } from '@mcpctl/db';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL_VARIABLE, testDatabaseVariants } from '../src/index.js';

describe.each(testDatabaseVariants())('test database: $name', ({ name, open }) => {
  it('opens a migrated database, stores and reads a user, and closes', async () => {
    const handle = await open();
    let databaseName: string | undefined;
    try {
      expect(handle.driver).toBe(name);
      await handle.ping();
      await handle.db.insert(users).values({ id: 'u1', name: 'alice', groups: ['ops'] });
      const rows = await handle.db.select().from(users).where(eq(users.name, 'alice'));
      expect(rows).toEqual([expect.objectContaining({ id: 'u1', name: 'alice', groups: ['ops'] })]);
      const current = (await handle.db.execute(sql`select current_database() as name`)) as { rows: Array<{ name: string }> };
      databaseName = current.rows[0]?.name;
    } finally {
      await handle.close();
    }

    if (name === 'postgres') {
      expect(databaseName).toMatch(/^mcpctl_t_[0-9a-f]+$/);
      const client = new pg.Client({ connectionString: process.env[TEST_DATABASE_URL_VARIABLE] });
      await client.connect();
      try {
        const left = await client.query('select 1 from pg_database where datname = $1', [databaseName]);
        expect(left.rowCount).toBe(0);
      } finally {
        await client.end();
      }
    }
  });

  it('gives every open its own empty database', async () => {
    const first = await open();
    const second = await open();
    try {
      await first.db.insert(users).values({ id: 'u1', name: 'bob' });
      expect(await second.db.select().from(users)).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describe('test database variants', () => {
  it('adds PostgreSQL only when its URL is set', () => {
    expect(testDatabaseVariants({}).map((variant) => variant.name)).toEqual(['embedded']);
    expect(testDatabaseVariants({ [TEST_DATABASE_URL_VARIABLE]: 'postgres://db/test' }).map((variant) => variant.name)).toEqual([
      'embedded',
      'postgres',
    ]);
  });
});
