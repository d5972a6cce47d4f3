import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditRecords, openDatabase, users, withTransaction, type DatabaseHandle } from '../src/index.js';
import { EmbeddedThreadClient, profilerFlags } from '../src/embedded-thread-client.js';
import { carryError } from '../src/embedded-thread-messages.js';

const THREAD_THAT_ENDS = fileURLToPath(new URL('./fixtures/thread-that-ends.mjs', import.meta.url));
const BUILT_CLIENT = fileURLToPath(new URL('../dist/embedded-thread-client.js', import.meta.url));

/** What `execute` answers on either driver, as far as these tests read it. */
interface RawResult {
  rows: unknown[];
}

/** Whether `promise` settled by now, after the thread answered one more statement. */
async function settledAfterOneMore(promise: Promise<unknown>, oneMore: () => Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await oneMore();
  return settled;
}

describe('the embedded database on its own thread', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase();
  });
  afterAll(async () => {
    await handle.close();
  });
  beforeEach(async () => {
    await handle.db.delete(auditRecords);
    await handle.db.delete(users);
  });

  it('reads back what Drizzle wrote, timestamps as dates and JSON as values', async () => {
    const createdAt = new Date('2026-12-07T08:00:00.123Z');
    await handle.db.insert(users).values({ id: 'usr_ada', name: 'ada', groups: ['gpu', 'ops'], createdAt, updatedAt: createdAt });
    const [row] = await handle.db.select().from(users).where(eq(users.id, 'usr_ada'));
    expect(row).toMatchObject({ name: 'ada', groups: ['gpu', 'ops'], role: 'member' });
    expect(row?.createdAt).toBeInstanceOf(Date);
    expect(row?.createdAt.toISOString()).toBe('2026-12-07T08:00:00.123Z');
    // A raw statement: the types Drizzle reads itself come as the server's text.
    const raw = (await handle.db.execute(sql`select created_at, 41 + 1 as answer from users`)) as RawResult;
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

  it('holds a statement from outside until the open transaction commits', async () => {
    let outside: Promise<unknown> | undefined;
    await withTransaction(handle.db, async (tx) => {
      await tx.insert(users).values({ id: 'usr_bea', name: 'bea' });
      // Drizzle runs a query when it is awaited: `.then` sends it now.
      const sent = handle.db
        .select()
        .from(users)
        .then((rows) => rows);
      outside = sent;
      expect(await settledAfterOneMore(sent, () => tx.insert(users).values({ id: 'usr_cy', name: 'cy' }))).toBe(false);
    });
    expect(await outside).toHaveLength(2);
  });

  it('fails a transaction whose commit fails, and keeps none of it', async () => {
    await handle.db.execute(sql`create table if not exists deferred_check (v int unique deferrable initially deferred)`);
    const failure = await withTransaction(handle.db, async (tx) => {
      await tx.execute(sql`insert into deferred_check values (1), (1)`);
    }).then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string },
    );
    expect(failure).toMatchObject({ code: '23505' });
    const count = (await handle.db.execute(sql`select count(*)::int as n from deferred_check`)) as RawResult;
    expect(count.rows).toEqual([{ n: 0 }]);
  });

  it("carries PostgreSQL's SQLSTATE and constraint to the caller", async () => {
    await handle.db.insert(users).values({ id: 'usr_dup', name: 'dup' });
    const failure = await handle.db
      .insert(users)
      .values({ id: 'usr_dup', name: 'dup-again' })
      .then(
        () => undefined,
        (error: unknown) => error as Error & { cause?: Error & { code?: string; constraint?: string } },
      );
    expect(failure?.cause).toMatchObject({ code: '23505', constraint: 'users_pkey' });
    expect(failure?.cause?.message).toContain('duplicate key value violates unique constraint');
  });

  it('loads rows by COPY with quotes, line breaks, NULLs and dates intact', async () => {
    const at = new Date('2026-12-07T09:30:00.000Z');
    const error = 'the upstream said "no",\nthen \\. and NULL';
    expect(handle.copyRows).toBeDefined();
    await handle.copyRows?.(
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
      // Long enough that an event loop running it would miss every tick (on one thread: none).
      await handle.db.execute(sql`select count(*) from generate_series(1, 3000000) as n where n % 7 = 3`);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});

describe("the thread's client", () => {
  let client: EmbeddedThreadClient;
  beforeAll(async () => {
    client = await EmbeddedThreadClient.open(undefined);
  });
  afterAll(async () => {
    await client.close();
  });

  it("applies the caller's parsers to the text of their types, in both row modes, NULLs left alone", async () => {
    const parsers = { 1114: (text: string) => `timestamp ${text}`, 1115: (text: string) => `timestamps ${text}` };
    const statement = `select '2026-12-07 10:00:00'::timestamp as at, null::timestamp as never, array['2026-12-07 10:00:00'::timestamp] as ats, 7 as seven`;
    const asObjects = await client.query(statement, [], { parsers });
    expect(asObjects.rows).toEqual([{ at: 'timestamp 2026-12-07 10:00:00', never: null, ats: 'timestamps {"2026-12-07 10:00:00"}', seven: 7 }]);
    const asArrays = await client.query(statement, [], { rowMode: 'array', parsers });
    expect(asArrays.rows).toEqual([['timestamp 2026-12-07 10:00:00', null, 'timestamps {"2026-12-07 10:00:00"}', 7]]);
  });

  it('refuses a parameter no thread can receive, and goes on', async () => {
    await expect(client.query('select $1::text as v', [() => 'a function'])).rejects.toThrow(/^cannot send the statement to the embedded database: /);
    expect((await client.query('select $1::text as v', ['text'])).rows).toEqual([{ v: 'text' }]);
  });
});

describe('closing the thread', () => {
  it('settles what was sent before, answers every close alike, and refuses what comes after', async () => {
    const client = await EmbeddedThreadClient.open(undefined);
    const before = client.query('select count(*)::int as n from generate_series(1, 200000)');
    const closing = client.close();
    expect(client.close()).toBe(closing);
    await expect(client.query('select 1')).rejects.toThrow('the embedded database is closed');
    const [outcome] = await Promise.allSettled([before]);
    expect(outcome.status === 'fulfilled' ? outcome.value.rows : outcome.reason).toEqual([{ n: 200000 }]);
    await closing;
    expect(client.closed).toBe(true);
    await expect(client.query('select 1')).rejects.toThrow('the embedded database is closed');
  });

  it('rolls back a transaction still open when it closes, rather than wait for it', async () => {
    const client = await EmbeddedThreadClient.open(undefined);
    await client.query('create table kept (v int)');
    let inside: (() => void) | undefined;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const work = client.transaction(async (tx) => {
      await tx.query('insert into kept values (1)');
      inside?.();
      // The close comes while this transaction is open; its next statement is refused.
      await new Promise((resolve) => setImmediate(resolve));
      await tx.query('insert into kept values (2)');
    });
    const outcome = work.then(
      () => 'committed',
      (error: unknown) => (error as Error).message,
    );
    await entered;
    await client.close();
    expect(await outcome).toBe('the embedded database is closed');
  });

  it('lets an idle process end without a close, holds it while a statement is owed, and keeps the Node options but preloads', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mcpctl-embedded-child-'));
    try {
      // A preload that the thread may not run (workers cannot set the umask), given both ways.
      const preload = join(home, 'preload.mjs');
      await writeFile(preload, 'process.umask(0o077);\n');
      const script = [
        `const { EmbeddedThreadClient } = await import(${JSON.stringify(BUILT_CLIENT)});`,
        'const client = await EmbeddedThreadClient.open(undefined);',
        "await client.query('select $1::text', [() => 0]).catch(() => undefined);",
        // Nothing but the statement holds the process until its answer comes.
        "client.query('select 6 * 7 as answer').then((result) => console.log(JSON.stringify(result.rows)));",
      ].join('\n');
      const child = spawn(process.execPath, ['--import', preload, '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: `--import=${preload}` },
        timeout: 30_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect({ code, stdout: stdout.trim() }, stderr).toEqual({ code: 0, stdout: '[{"answer":42}]' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
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
    const failure = await openDatabase({ dataDir }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toBe(`cannot open the embedded database in ${dataDir}`);
    expect(failure?.cause).toMatchObject({ message: 'PGlite failed to initialize properly' });
  });
});

describe('the options the thread takes', () => {
  it("keeps the profilers' and leaves the rest, preloads and the entry's options among them", () => {
    const execArgv = ['--import', './otel.mjs', '--cpu-prof', '--cpu-prof-dir', '/tmp/profiles', '--input-type=module', '--heap-prof-interval=512', '-r', 'x.cjs', '--max-old-space-size=100'];
    expect(profilerFlags(execArgv)).toEqual(['--cpu-prof', '--cpu-prof-dir', '/tmp/profiles', '--heap-prof-interval=512']);
  });
});

describe('a thread that stops', () => {
  it('fails the statement in flight and every later one, and says so once', async () => {
    const client = await EmbeddedThreadClient.open('exit', THREAD_THAT_ENDS);
    const heard: Error[] = [];
    client.onLost((error) => heard.push(error));
    const stopped = 'the embedded database stopped: its thread ended with exit code 3';
    await expect(client.transaction(() => Promise.resolve('never run'))).rejects.toThrow(stopped);
    await expect(client.query('select 2')).rejects.toThrow(stopped);
    expect(heard.map((error) => error.message)).toEqual([stopped]);
    // A listener that comes late hears it at once.
    client.onLost((error) => heard.push(error));
    expect(heard).toHaveLength(2);
    await client.close();
  });

  it('names what broke the database when the thread says so before it ends', async () => {
    const client = await EmbeddedThreadClient.open('abort', THREAD_THAT_ENDS);
    const heard: string[] = [];
    client.onLost((error) => heard.push(error.message));
    await expect(client.query('select 1')).rejects.toThrow('Aborted(OOM)');
    await expect(client.query('select 2')).rejects.toThrow('the embedded database stopped: Aborted(OOM)');
    expect(heard).toEqual(['the embedded database stopped: Aborted(OOM)']);
    await client.close();
  });

  it('fails the open with the reason the thread gave', async () => {
    await expect(EmbeddedThreadClient.open('refuse', THREAD_THAT_ENDS)).rejects.toThrow('the data directory holds a newer cluster');
  });

  it('ends when PGlite broke and can no longer answer a trivial statement, and says why', async () => {
    const client = await EmbeddedThreadClient.open(undefined);
    const heard: string[] = [];
    client.onLost((error) => heard.push(error.message));
    try {
      // Unbounded recursion breaks PGlite 0.5 without an error of its own: the statements after it fail or answer nothing.
      await client.query('create function deeper(n int) returns int language plpgsql as $$ begin return deeper(n + 1); end $$');
      await client.query('select deeper(0)').catch(() => undefined);
      const first = await client.query('select 1 as one').then(
        (result) => JSON.stringify(result.rows),
        (error: unknown) => (error as Error).message,
      );
      if (heard.length === 0) {
        // The thread probes after an internal error; one more statement meets the stop if the first did not.
        await client.query('select 2 as two').catch(() => undefined);
      }
      expect({ first: first === '[{"one":1}]' ? 'answered' : 'failed', heard: heard.map((message) => message.split(' after: ')[0]) }).toEqual({
        first: 'failed',
        heard: ['the embedded database stopped: the database answered select 1 with []'],
      });
      await expect(client.query('select 3')).rejects.toThrow(/^the embedded database stopped: /);
    } finally {
      await client.close();
    }
  });

  it("carries what Emscripten throws when PostgreSQL exits, though it is no Error", () => {
    const exitStatus = { name: 'ExitStatus', message: 'Program terminated with exit(1)', status: 1 };
    expect(carryError(exitStatus)).toEqual({ name: 'ExitStatus', message: 'Program terminated with exit(1)', fields: { status: 1 } });
  });
});
