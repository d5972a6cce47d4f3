import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditRecords, openDatabase, users, withTransaction, type DatabaseHandle } from '../src/index.js';
import { EmbeddedThreadClient } from '../src/embedded-thread-client.js';

const THREAD_THAT_ENDS = fileURLToPath(new URL('./fixtures/thread-that-ends.mjs', import.meta.url));

describe('the embedded database on its own thread', () => {
  let handle: DatabaseHandle;
  beforeEach(async () => {
    handle = await openDatabase();
  });
  afterEach(async () => {
    await handle.close();
  });

  it('reads back what Drizzle wrote, timestamps as dates and JSON as values', async () => {
    const createdAt = new Date('2026-12-07T08:00:00.123Z');
    await handle.db.insert(users).values({ id: 'usr_ada', name: 'ada', groups: ['gpu', 'ops'], createdAt, updatedAt: createdAt });
    const [row] = await handle.db.select().from(users).where(eq(users.id, 'usr_ada'));
    expect(row).toMatchObject({ name: 'ada', groups: ['gpu', 'ops'], role: 'member' });
    expect(row?.createdAt).toBeInstanceOf(Date);
    expect(row?.createdAt.toISOString()).toBe('2026-12-07T08:00:00.123Z');
    // A raw statement: the caller's parsers still see the server's text for the types they asked to read.
    const raw = await handle.db.execute(sql`select created_at, 41 + 1 as answer from users`);
    expect(raw.rows).toEqual([{ created_at: '2026-12-07 08:00:00.123+00', answer: 42 }]);
  });

  it('commits a transaction, rolls one back when its work throws, and rolls back a savepoint alone', async () => {
    await withTransaction(handle.db, async (tx) => {
      await tx.insert(users).values({ id: 'usr_kept', name: 'kept' });
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(users).values({ id: 'usr_inner', name: 'inner' });
          throw new Error('refused inside');
        }),
      ).rejects.toThrow('refused inside');
    });
    await expect(
      withTransaction(handle.db, async (tx) => {
        await tx.insert(users).values({ id: 'usr_gone', name: 'gone' });
        throw new Error('refused after writing');
      }),
    ).rejects.toThrow('refused after writing');
    const names = (await handle.db.select({ name: users.name }).from(users)).map((row) => row.name);
    expect(names).toEqual(['kept']);
  });

  it('serves a statement from outside an open transaction after it commits', async () => {
    let outside: Promise<unknown> | undefined;
    await withTransaction(handle.db, async (tx) => {
      await tx.insert(users).values({ id: 'usr_bea', name: 'bea' });
      outside = handle.db.select().from(users);
      // The outside read waits for the transaction: it must not see the row before the commit.
      await tx.insert(users).values({ id: 'usr_cy', name: 'cy' });
    });
    expect(await outside).toHaveLength(2);
  });

  it("carries PostgreSQL's SQLSTATE and constraint to the caller", async () => {
    await handle.db.insert(users).values({ id: 'usr_dup', name: 'dup' });
    const failure = await handle.db
      .insert(users)
      .values({ id: 'usr_dup', name: 'dup-again' })
      .then(() => undefined, (error: unknown) => error as Error & { cause?: Error & { code?: string; constraint?: string } });
    expect(failure?.cause).toMatchObject({ code: '23505', constraint: 'users_pkey' });
    expect(failure?.cause?.message).toContain('duplicate key value violates unique constraint');
  });

  it('loads rows by COPY with quotes, line breaks, NULLs and dates intact', async () => {
    const at = new Date('2026-12-07T09:30:00.000Z');
    const error = 'the upstream said "no",\nthen \\. and NULL';
    const copyRows = handle.copyRows;
    expect(copyRows).toBeDefined();
    await copyRows?.(
      'audit_records',
      ['at', 'llm_name', 'endpoint', 'streaming', 'status', 'latency_ms', 'error', 'user_id'],
      [
        [at, 'qwen', 'chat.completions', true, 200, 1.5, null, null],
        [at, 'qwen', 'chat.completions', false, 502, 2.25, error, ''],
      ],
    );
    const rows = await handle.db.select().from(auditRecords).orderBy(auditRecords.id);
    expect(rows.map((row) => [row.at.toISOString(), row.streaming, row.status, row.latencyMs, row.error, row.userId])).toEqual([
      ['2026-12-07T09:30:00.000Z', true, 200, 1.5, null, null],
      ['2026-12-07T09:30:00.000Z', false, 502, 2.25, error, ''],
    ]);
  });

  it('keeps serving the event loop while a long statement runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    try {
      // Long enough that an event loop running it would miss every tick.
      await handle.db.execute(sql`select count(*) from generate_series(1, 3000000) as n where n % 7 = 3`);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('refuses statements once closed', async () => {
    await handle.close();
    const failure = await handle.db.select().from(users).then(() => undefined, (error: unknown) => error as Error);
    expect(failure?.cause).toMatchObject({ message: 'the embedded database is closed' });
    await handle.close();
  });
});

describe('the embedded database in a data directory', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcpctl-embedded-thread-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps what was written across a close and a reopen', async () => {
    const first = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    await first.db.insert(users).values({ id: 'usr_kept', name: 'kept' });
    await first.close();
    const second = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    try {
      expect(await second.db.select({ name: users.name }).from(users)).toEqual([{ name: 'kept' }]);
    } finally {
      await second.close();
    }
  });

  it('says which directory it could not open, and why', async () => {
    await writeFile(join(dataDir, 'PG_VERSION'), '99\n');
    const failure = await openDatabase({ dataDir }).then(() => undefined, (error: unknown) => error as Error);
    expect(failure?.message).toBe(`cannot open the embedded database in ${dataDir}`);
    expect(failure?.cause).toMatchObject({ message: 'PGlite failed to initialize properly' });
  });
});

describe('a thread that ends', () => {
  it('fails the statement in flight and every later one, and says so once', async () => {
    const client = await EmbeddedThreadClient.open(undefined, THREAD_THAT_ENDS);
    const heard: Error[] = [];
    client.onLost((error) => heard.push(error));
    await expect(client.query('select 1')).rejects.toThrow("the embedded database's thread ended (exit code 3)");
    await expect(client.query('select 2')).rejects.toThrow("the embedded database's thread ended (exit code 3)");
    expect(heard.map((error) => error.message)).toEqual(["the embedded database's thread ended (exit code 3)"]);
    // A listener that comes late hears it at once.
    client.onLost((error) => heard.push(error));
    expect(heard).toHaveLength(2);
    await client.close();
  });

  it('fails the open with the reason the thread gave', async () => {
    // The stand-in reads its part from the data directory it is given.
    await expect(EmbeddedThreadClient.open('refuse', THREAD_THAT_ENDS)).rejects.toThrow('the data directory holds a newer cluster');
  });
});
