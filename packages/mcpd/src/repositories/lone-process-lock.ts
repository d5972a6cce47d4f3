import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import { every, type Cancel, type Clock } from '@mcpctl/clock';
import { withTransaction, type Database, type DatabaseHandle } from '@mcpctl/db';
import { rawRows } from './raw-rows.js';

/*
 * An mcpd without NATS holds every stream itself, so it must be the only mcpd on its PostgreSQL
 * database. It says so with a session-level advisory lock, taken exclusive at start and held on
 * a connection of its own for the process's life: the server lets go of it the moment that
 * connection ends, so a process killed without a clean stop holds nobody back (a row beaten in
 * `mcpd_replicas` would, for 10 s). Replicas with NATS never hold it; each looks, after its first
 * beat, that no process holds it exclusive. A fixed 64-bit number, distinct from the migration,
 * namespace and singleton locks.
 */
const LONE_PROCESS_KEY = 4_172_311_990;

/** How often a process that lost its lock's connection (the database restarted) takes it again. */
const RETAKE_MS = 5_000;

/**
 * The server ends the lock's connection, and so lets go of the lock, when the host holding it
 * stops answering: its backend would otherwise wait on a dead peer for the system's keepalive
 * default (two hours on Linux), holding off the process that replaces it. Ignored over a Unix
 * socket, where the peer's end is always seen.
 */
const KEEPALIVE = { idle: 10, interval: 5, count: 3 } as const;

/** node-postgres's pooled client, as far as the lock uses it (mcpd reaches pg only through Drizzle). */
interface PooledConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  release(destroy?: boolean | Error): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface ConnectionPool {
  connect(): Promise<PooledConnection>;
}

/** What the lock tells its process after the start. */
export interface LoneProcessLockEvents {
  /** The lock's connection ended: until it is taken again, another mcpd could start beside this one. */
  lost(error: Error): void;
  /** Taken again after a loss. */
  retaken(): void;
  /** Another mcpd took the database while this one had lost its lock. */
  takenByAnother(refusal: Error): void;
}

/**
 * The lock of an mcpd without NATS on PostgreSQL. Answers undefined on the embedded database,
 * whose data directory lock already keeps a second process out.
 */
export async function holdLoneProcessLock(database: DatabaseHandle, clock: Clock, events: LoneProcessLockEvents): Promise<LoneProcessLock | undefined> {
  if (database.driver !== 'postgres') return undefined;
  const pool = (database.db as { $client?: Partial<ConnectionPool> }).$client;
  if (typeof pool?.connect !== 'function') throw new Error('the PostgreSQL handle gives no connection of its own to hold the lone-process lock on');
  const lock = new LoneProcessLock(pool as ConnectionPool, database.db, clock, events);
  await lock.take();
  return lock;
}

export class LoneProcessLock {
  #connection: PooledConnection | undefined;
  #stopRetaking: Cancel | undefined;
  #released = false;
  /** Said once per loss: a lock another process holds is not news every 5 s. */
  #toldTaken = false;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly events: LoneProcessLockEvents,
  ) {}

  /** Takes the lock on a connection of its own, or throws the refusal naming who holds it. */
  async take(): Promise<void> {
    const connection = await this.pool.connect();
    connection.on('error', (error) => this.#lose(connection, error));
    try {
      const name = `mcpd pid ${process.pid} on ${hostname()}`;
      await connection.query(
        `select set_config('application_name', $1, false), set_config('tcp_keepalives_idle', $2, false),
                set_config('tcp_keepalives_interval', $3, false), set_config('tcp_keepalives_count', $4, false)`,
        [name, String(KEEPALIVE.idle), String(KEEPALIVE.interval), String(KEEPALIVE.count)],
      );
      const [row] = (await connection.query(`select pg_try_advisory_lock(${LONE_PROCESS_KEY}) as locked`)).rows;
      if (row?.locked !== true) throw await refusal(this.db, 'lone');
    } catch (error) {
      connection.release(true);
      throw error;
    }
    this.#connection = connection;
  }

  /** Lets go at a clean stop (before the database closes): the next mcpd may start at once. */
  async release(): Promise<void> {
    this.#released = true;
    this.#stopRetaking?.();
    const connection = this.#connection;
    this.#connection = undefined;
    if (!connection) return;
    try {
      await connection.query(`select pg_advisory_unlock(${LONE_PROCESS_KEY})`);
    } finally {
      // Ending the connection lets go of the lock whatever the unlock did.
      connection.release(true);
    }
  }

  #lose(connection: PooledConnection, error: Error): void {
    if (this.#connection !== connection || this.#released) return;
    this.#connection = undefined;
    connection.release(error);
    this.events.lost(error);
    this.#toldTaken = false;
    this.#stopRetaking = every(this.clock, RETAKE_MS, () => this.#retake());
  }

  async #retake(): Promise<void> {
    if (this.#connection || this.#released) return;
    try {
      await this.take();
    } catch (error) {
      if (error instanceof LoneProcessRefusal && !this.#toldTaken) {
        this.#toldTaken = true;
        this.events.takenByAnother(error);
      }
      // Anything else is the database still out of reach: the next round tries again.
      return;
    }
    this.#stopRetaking?.();
    if (this.#released) return this.release();
    this.events.retaken();
  }
}

/** Why this mcpd may not start (or go on) on the database: another holds it. */
export class LoneProcessRefusal extends Error {}

/**
 * For a replica with NATS, after its first beat: the refusal when an mcpd without NATS holds the
 * database, or undefined. A shared lock taken for a transaction, so replicas never hold each other off.
 */
export async function loneProcessRefusal(db: Database): Promise<LoneProcessRefusal | undefined> {
  const free = await withTransaction(db, async (tx) => {
    const [row] = await rawRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock_shared(${sql.raw(String(LONE_PROCESS_KEY))}) as locked`);
    return row?.locked === true;
  });
  return free ? undefined : refusal(db, 'replica');
}

/** Names who holds the lock (as its `application_name` says, when this role may read it). */
async function refusal(db: Database, self: 'lone' | 'replica'): Promise<LoneProcessRefusal> {
  const holders = await rawRows<{ name: string | null; pid: number; mode: string }>(
    db,
    sql`select a.application_name as name, l.pid, l.mode from pg_locks l left join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = ${sql.raw(`'${LONE_PROCESS_KEY}'::oid`)} and l.objsubid = 1
          and l.database = (select oid from pg_database where datname = current_database())`,
  );
  const lone = holders.find((holder) => holder.mode === 'ExclusiveLock');
  if (!lone && self === 'lone') {
    // Only replicas with NATS looking as they start (each has beaten its row in mcpd_replicas first).
    return new LoneProcessRefusal('mcpd replicas with NATS are starting on this database; start this one with MCPD_NATS_URL as they have, or stop them first');
  }
  const who = lone?.name?.startsWith('mcpd ') ? lone.name.slice('mcpd '.length) : `PostgreSQL connection pid ${String(lone?.pid ?? 'unknown')}`;
  return new LoneProcessRefusal(
    `another mcpd (${who}) uses this database without MCPD_NATS_URL; set MCPD_NATS_URL on every mcpd sharing the database, or stop that one first`,
  );
}
