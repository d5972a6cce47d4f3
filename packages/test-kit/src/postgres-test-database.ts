import { randomBytes } from 'node:crypto';
import { openDatabase, redactUrl, type DatabaseHandle } from '@mcpctl/db';
import pg from 'pg';

const UNDEFINED_DATABASE = '3D000';

/**
 * A new, uniquely named database on the server of `serverUrl`, migrated by `openDatabase`;
 * closing the handle drops it, so test runs leave nothing behind.
 */
export async function openPostgresTestDatabase(serverUrl: string): Promise<DatabaseHandle> {
  const { url, drop } = await createPostgresTestDatabase(serverUrl);
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase({ url, maxConnections: 5 });
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return {
    ...handle,
    close: async () => {
      try {
        await handle.close();
      } finally {
        await drop();
      }
    },
  };
}

/**
 * A new, empty, uniquely named database on the server of `serverUrl`, for processes that open it
 * themselves (several mcpd replicas): its URL, and `drop`, which removes it whoever is connected.
 */
export async function createPostgresTestDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mcpctl_t_${randomBytes(8).toString('hex')}`;
  await maintain(serverUrl, `create database ${quoteIdentifier(name)}`);
  return { url: withDatabase(serverUrl, name), drop: () => maintain(serverUrl, `drop database if exists ${quoteIdentifier(name)} with (force)`) };
}

/** Runs one statement on a short-lived connection to the URL's database, or to `postgres` when that one does not exist. */
async function maintain(serverUrl: string, statement: string): Promise<void> {
  const client = await connect(serverUrl).catch(async (error: unknown) => {
    if ((error as { code?: string }).code !== UNDEFINED_DATABASE) throw error;
    return connect(withDatabase(serverUrl, 'postgres'));
  });
  try {
    await client.query(statement);
  } catch (error) {
    throw new Error(`${statement} failed on ${redactUrl(serverUrl)}`, { cause: error });
  } finally {
    await client.end();
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw Object.assign(new Error(`cannot connect to ${redactUrl(url)}`, { cause: error }), {
      code: (error as { code?: string }).code,
    });
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
