import { openDatabase } from '@mcpctl/db';
import { roleBindingViewSchema } from '@mcpctl/protocol';
import { createPostgresTestDatabase, TEST_DATABASE_URL_VARIABLE } from '@mcpctl/test-kit';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

const serverUrl = process.env[TEST_DATABASE_URL_VARIABLE];

/*
 * A binding made for a user while that user is deleted. On PostgreSQL the two requests run on
 * different pooled connections: without a lock, the binding's check could find the user, the
 * deletion could then remove the user and its bindings, and the binding would be written after,
 * waiting to grant its role to whoever is next created under that name. A second connection of
 * the test plays the other request's part, holding its locks for as long as the test needs.
 * The embedded database runs one transaction at a time, so it has no such interleaving.
 */
describe.skipIf(!serverUrl)('a role binding made while its user is deleted, on PostgreSQL', () => {
  let mcpd: TestServer;
  let other: pg.Client;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const database = await createPostgresTestDatabase(serverUrl ?? '');
    drop = database.drop;
    mcpd = await startTestServer({ database: await openDatabase({ url: database.url, maxConnections: 5 }), cacheMs: 0 });
    other = new pg.Client({ connectionString: database.url });
    await other.connect();
    expect((await mcpd.api('/api/v1/users', { json: { name: 'racer' } })).status).toBe(201);
  });

  afterEach(async () => {
    await other.end();
    await mcpd.close();
    await mcpd.server.services.database.close();
    await drop();
  });

  /** Resolves once one of mcpd's connections waits for a lock the test's connection holds. */
  async function mcpdWaitsForLock(): Promise<void> {
    for (let look = 0; look < 2_000; look += 1) {
      const { rows } = await other.query<{ waiting: string }>(
        `select count(*) as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (Number(rows[0]?.waiting) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('mcpd never waited for the lock the test holds: the request ran past it');
  }

  async function bindings(): Promise<string[]> {
    const views = roleBindingViewSchema.array().parse(await (await mcpd.api('/api/v1/rolebindings')).json());
    return views.filter((binding) => binding.subjectName === 'racer').map((binding) => binding.name);
  }

  it('refuses a binding whose user a deletion under way removes', async () => {
    // The deletion's steps: its lock on the user, the user's bindings gone, then the user.
    await other.query('begin');
    await other.query(`select id from users where name = 'racer' for update`);
    await other.query(`delete from role_bindings where subject_kind = 'user' and subject_name = 'racer'`);
    const bound = mcpd.api('/api/v1/rolebindings', { json: { name: 'rb-racer', subjectKind: 'user', subjectName: 'racer', role: 'admin' } });
    await mcpdWaitsForLock();
    await other.query(`delete from users where name = 'racer'`);
    await other.query('commit');
    const answer = await bound;
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toMatch(/no user is named racer; create the user first/);
    expect(await bindings()).toEqual([]);
  });

  it('deletes a binding that was being made when the user was deleted', async () => {
    // The binding's steps: its hold on the user, then the binding, not yet committed.
    await other.query('begin');
    await other.query(`select id from users where name = 'racer' for share`);
    await other.query(
      `insert into role_bindings (id, name, subject_kind, subject_name, role, permissions) values ('rb_racer', 'rb-racer', 'user', 'racer', 'admin', '[]')`,
    );
    const deleted = mcpd.api('/api/v1/users/racer', { method: 'DELETE' });
    await mcpdWaitsForLock();
    await other.query('commit');
    expect((await deleted).status).toBe(204);
    expect(await bindings()).toEqual([]);
    // A new user of the name inherits nothing.
    expect((await mcpd.api('/api/v1/users', { json: { name: 'racer' } })).status).toBe(201);
    expect(await bindings()).toEqual([]);
  });
});
