import { eq, sql } from 'drizzle-orm';
import { mcpdReplicas, type Database } from '@mcpctl/db';

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

  async remove(id: string): Promise<void> {
    await this.db.delete(mcpdReplicas).where(eq(mcpdReplicas.id, id));
  }

  /**
   * Replicas silent for `staleMs` are dead: their rows go, and their sessions (and those of any
   * replica whose row is already gone) are released. Answers the sessions released.
   */
  async sweepDead(staleMs: number): Promise<string[]> {
    // Both drivers answer an object with `rows`; the shared Database type leaves the result untyped.
    const result: unknown = await this.db.execute(sql`
      with dead as (
        delete from mcpd_replicas where heartbeat_at < now() - make_interval(secs => ${staleMs / 1000}) returning id
      )
      update provider_sessions set replica_id = null
      where replica_id in (select id from dead)
         or (replica_id is not null and replica_id not in (select id from mcpd_replicas))
      returning id`);
    return (result as { rows: Array<{ id: string }> }).rows.map((row) => row.id);
  }
}
