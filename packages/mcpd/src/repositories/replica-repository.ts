import { eq, sql } from 'drizzle-orm';
import { mcpdReplicas, type Database } from '@mcpctl/db';
import { loneProcessRefusal } from './lone-process-lock.js';
import { rawRows } from './raw-rows.js';

/**
 * The replicas' liveness rows. Times are the database server's (`now()`), one clock for every
 * replica whatever their own clocks say.
 */
export class ReplicaRepository {
  constructor(private readonly db: Database) {}

  /** Records that `id` is alive; answers false when its row was gone (swept as dead, or never written). */
  async beat(id: string): Promise<boolean> {
    const [row] = await this.db
      .insert(mcpdReplicas)
      .values({ id, startedAt: sql`now()`, heartbeatAt: sql`now()` })
      .onConflictDoUpdate({ target: mcpdReplicas.id, set: { heartbeatAt: sql`now()` } })
      .returning({ inserted: sql<boolean>`(xmax = 0)` });
    return row?.inserted === false;
  }

  /** Replicas that beat within `staleMs`: alive, as far as the database knows. */
  async aliveIds(staleMs: number): Promise<string[]> {
    const rows = await rawRows<{ id: string }>(this.db, sql`select id from mcpd_replicas where heartbeat_at >= now() - make_interval(secs => ${staleMs / 1000}) order by id`);
    return rows.map((row) => row.id);
  }

  /**
   * For a replica with NATS, after its first beat: why it may not start when an mcpd without
   * NATS holds the database (its lone-process lock), or undefined.
   */
  loneProcessRefusal(): Promise<Error | undefined> {
    return loneProcessRefusal(this.db);
  }

  async remove(id: string): Promise<void> {
    await this.db.delete(mcpdReplicas).where(eq(mcpdReplicas.id, id));
  }

  /**
   * Replicas silent for `staleMs` are dead: their rows go, and their sessions (and those of any
   * replica whose row is already gone) are released. Answers each session released and the
   * replica that held it.
   */
  async sweepDead(staleMs: number): Promise<Array<{ sessionId: string; holder: string }>> {
    return rawRows<{ sessionId: string; holder: string }>(
      this.db,
      sql`
      with dead as (
        delete from mcpd_replicas where heartbeat_at < now() - make_interval(secs => ${staleMs / 1000}) returning id
      ), orphaned as (
        select id, replica_id from provider_sessions
        where replica_id in (select id from dead)
           or (replica_id is not null and replica_id not in (select id from mcpd_replicas))
      )
      update provider_sessions s set replica_id = null, transport = null, connected_at = null
      from orphaned where s.id = orphaned.id and s.replica_id = orphaned.replica_id
      returning s.id as "sessionId", orphaned.replica_id as holder`,
    );
  }
}
