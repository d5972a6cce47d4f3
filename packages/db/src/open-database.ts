import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { pgliteCopyRows, type CopyRows } from './copy-rows.js';
import { EmbeddedThreadClient } from './embedded-thread-client.js';
import * as schema from './schema.js';

/** The Drizzle handle both drivers share; repositories are written against this type only. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseDriver = 'embedded' | 'postgres';

export interface DatabaseHandle {
  db: Database;
  driver: DatabaseDriver;
  /**
   * Bulk loading with COPY, where it is the cheap way in: the embedded database, whose every
   * statement is PostgreSQL's work done in this process. Undefined for PostgreSQL, whose multi-row
   * insert costs mcpd little.
   */
  copyRows?: CopyRows | undefined;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * The embedded database's thread: `listener` hears, once, that it ended unasked, after which
   * every statement fails. Absent for PostgreSQL, whose lost connections are made again.
   */
  onLost?: ((listener: (error: Error) => void) => void) | undefined;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` selects node-postgres; absent selects embedded PGlite. */
  url?: string | undefined;
  /** PGlite data directory; absent keeps the embedded database in memory. */
  dataDir?: string | undefined;
  /** Pool size for node-postgres. */
  maxConnections?: number;
  /**
   * How long a statement waits for a connection to PostgreSQL, a new one or a free one of the
   * pool, before it fails as the database being unreachable. Without it a host that drops packets
   * holds every request for the kernel's two minutes of retries.
   */
  connectTimeoutMs?: number;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

/* Any fixed 64-bit number: replicas starting together take turns at migrating. */
const MIGRATION_LOCK_KEY = 4_172_311_985;

const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/** Opens the database and applies every pending migration before answering. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10, options.connectTimeoutMs ?? POSTGRES_CONNECT_TIMEOUT_MS);
  return openEmbedded(options.dataDir);
}

async function openEmbedded(dataDir: string | undefined): Promise<DatabaseHandle> {
  // Private to mcpd's user: the database files hold every row (see mcpd's data directory rules).
  if (dataDir) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const description = `the embedded database${dataDir ? ` in ${dataDir}` : ''}`;
  let client: EmbeddedThreadClient;
  try {
    client = await EmbeddedThreadClient.open(dataDir);
  } catch (error) {
    throw new Error(`cannot open ${description}`, { cause: error });
  }
  // Drizzle's PGlite driver calls `query` and `transaction` only, and on a transaction `query` only: the thread's client offers those.
  const handle = await migrateEmbedded(client as unknown as PGlite, client.copyRows, description);
  return { ...handle, onLost: (listener) => client.onLost(listener) };
}

/**
 * Takes a PGlite client on this thread (a data directory, memory, or a loaded dump), applies
 * every pending migration and answers the handle repositories use; the client is closed if that
 * fails. Tests use it for databases made from a template; mcpd's own runs on a thread of its own.
 */
export function openEmbeddedClient(client: PGlite, description = 'the embedded database'): Promise<DatabaseHandle> {
  return migrateEmbedded(client, pgliteCopyRows(client), description);
}

async function migrateEmbedded(client: PGlite, copyRows: CopyRows, description: string): Promise<DatabaseHandle> {
  try {
    // No wait for PGlite's start: its first query waits for it, and fails as the start did.
    const db = drizzlePglite(client, { schema });
    await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return {
      db: db as unknown as Database,
      driver: 'embedded',
      copyRows,
      ping: async () => {
        await client.query('select 1');
      },
      close: async () => {
        if (!client.closed) await client.close();
      },
    };
  } catch (error) {
    if (!client.closed) await client.close().catch(() => undefined);
    throw new Error(`cannot open ${description}`, { cause: error });
  }
}

async function openPostgres(url: string, maxConnections: number, connectTimeoutMs: number): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, connectionTimeoutMillis: connectTimeoutMs });
  // An idle client that loses its server must not take the process down with it.
  pool.on('error', () => undefined);
  try {
    const db = drizzlePostgres(pool, { schema });
    const lockClient = await pool.connect();
    try {
      await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      lockClient.release();
    }
    return {
      db: db as unknown as Database,
      driver: 'postgres',
      ping: async () => {
        await pool.query('select 1');
      },
      close: () => pool.end(),
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot open PostgreSQL at ${redactUrl(url)}`, { cause: error });
  }
}

/** A database URL fit for a log line: the password never appears. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}
