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
import * as schema from './schema.js';

/** The Drizzle handle both drivers share; repositories are written against this type only. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseDriver = 'embedded' | 'postgres';

export interface DatabaseHandle {
  db: Database;
  driver: DatabaseDriver;
  /**
   * Bulk loading with COPY, where it is the cheap way in: the embedded database, which writes on
   * mcpd's own thread. Undefined for PostgreSQL, whose multi-row insert costs mcpd little.
   */
  copyRows?: CopyRows | undefined;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` selects node-postgres; absent selects embedded PGlite. */
  url?: string | undefined;
  /** PGlite data directory; absent keeps the embedded database in memory. */
  dataDir?: string | undefined;
  /** Pool size for node-postgres. */
  maxConnections?: number;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

/* Any fixed 64-bit number: replicas starting together take turns at migrating. */
const MIGRATION_LOCK_KEY = 4_172_311_985;

/** Opens the database and applies every pending migration before answering. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10);
  return openEmbedded(options.dataDir);
}

async function openEmbedded(dataDir: string | undefined): Promise<DatabaseHandle> {
  // Private to mcpd's user: the database files hold every row (see mcpd's data directory rules).
  if (dataDir) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return openEmbeddedClient(dataDir ? new PGlite(dataDir) : new PGlite(), `the embedded database${dataDir ? ` in ${dataDir}` : ''}`);
}

/**
 * Takes a PGlite client (a data directory, memory, or a loaded dump), applies every pending
 * migration and answers the handle repositories use; the client is closed if that fails.
 */
export async function openEmbeddedClient(client: PGlite, description = 'the embedded database'): Promise<DatabaseHandle> {
  try {
    await client.waitReady;
    const db = drizzlePglite(client, { schema });
    await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return {
      db: db as unknown as Database,
      driver: 'embedded',
      copyRows: pgliteCopyRows(client),
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

async function openPostgres(url: string, maxConnections: number): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections });
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
