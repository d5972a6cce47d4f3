import { eq, sql } from 'drizzle-orm';
import { llmSlotClaims, withTransaction, type Database, type Transaction } from '@mcpctl/db';
import { rawRows } from './raw-rows.js';

/**
 * First key of the two-key advisory locks that serialise the claims of one LLM (the second is a
 * hash of its id). Two-key locks never conflict with the one-key singleton and namespace locks.
 */
const CLAIM_LOCK_CLASS = 1_296_257_091;

export interface NewClaim {
  id: string;
  llmId: string;
  replicaId: string;
  userId: string;
  /** The LLM's `maxConcurrent`. */
  limit: number;
  /** Claims that may wait for the LLM, and for one user of it, before a new one is refused. */
  maxWaiting: number;
  maxWaitingPerUser: number;
}

/** A new claim: running now, waiting its turn, or refused because too many wait (nothing stored). */
export type ClaimOutcome = { state: 'granted' | 'waiting' } | { state: 'full'; waiting: number; mine: number };

/**
 * The slots of public LLMs kept in the database while several replicas serve them. Every
 * statement that may grant runs under the LLM's advisory lock, so two replicas never both see
 * the last free slot: the count of granted claims never passes the limit.
 */
export class SlotClaimRepository {
  constructor(private readonly db: Database) {}

  /** Granted when the claims already running or waiting leave room; otherwise it waits, unless the queue is full. */
  claim(claim: NewClaim): Promise<ClaimOutcome> {
    return this.#locked(claim.llmId, async (tx) => {
      const [row] = await rawRows<{ granted: boolean | null; waiting: number; mine: number }>(
        tx,
        sql`
        with counts as (
          select count(*) filter (where granted)::int as granted,
                 count(*) filter (where not granted)::int as waiting,
                 count(*) filter (where not granted and user_id = ${claim.userId})::int as mine
          from llm_slot_claims where llm_id = ${claim.llmId}
        ), added as (
          insert into llm_slot_claims (id, llm_id, replica_id, user_id, granted)
          select ${claim.id}, ${claim.llmId}, ${claim.replicaId}, ${claim.userId}, granted + waiting < ${claim.limit}
          from counts
          where granted + waiting < ${claim.limit} or (waiting < ${claim.maxWaiting} and mine < ${claim.maxWaitingPerUser})
          returning granted
        )
        select (select granted from added) as granted, waiting, mine from counts`,
      );
      if (!row || row.granted === null) return { state: 'full', waiting: row?.waiting ?? 0, mine: row?.mine ?? 0 };
      return { state: row.granted ? 'granted' : 'waiting' };
    });
  }

  /**
   * A waiting claim's turn: granted once the running claims and those made before it leave a
   * slot. `gone` when the claim is no longer stored (its replica was taken for dead).
   */
  retry(id: string, llmId: string, limit: number): Promise<'granted' | 'waiting' | 'gone'> {
    return this.#locked(llmId, async (tx) => {
      const [row] = await rawRows<{ granted: number; present: boolean }>(
        tx,
        sql`
        with turned as (
          update llm_slot_claims c set granted = true
          where c.id = ${id} and not c.granted
            and (select count(*) from llm_slot_claims o
                 where o.llm_id = c.llm_id and (o.granted or (o.claimed_at, o.id) < (c.claimed_at, c.id))) < ${limit}
          returning c.id
        )
        select (select count(*) from turned)::int as granted, exists (select 1 from llm_slot_claims where id = ${id}) as present`,
      );
      if (row?.granted) return 'granted';
      return row?.present ? 'waiting' : 'gone';
    });
  }

  async release(id: string): Promise<void> {
    await this.db.delete(llmSlotClaims).where(eq(llmSlotClaims.id, id));
  }

  /**
   * Claims stored for `replicaId` that it no longer holds (a release that failed): removed.
   * Answers the LLMs that got room.
   */
  async forgetAllBut(replicaId: string, held: readonly string[]): Promise<string[]> {
    const rows = await rawRows<{ llmId: string }>(
      this.db,
      sql`delete from llm_slot_claims where replica_id = ${replicaId} and not (id = any(${sql.param([...held])}::text[])) returning llm_id as "llmId"`,
    );
    return distinct(rows);
  }

  /** Claims of replicas that are no longer alive (their rows swept): removed. Answers the LLMs that got room. */
  async sweepOrphans(): Promise<string[]> {
    const rows = await rawRows<{ llmId: string }>(
      this.db,
      sql`delete from llm_slot_claims where replica_id not in (select id from mcpd_replicas) returning llm_id as "llmId"`,
    );
    return distinct(rows);
  }

  #locked<T>(llmId: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
    return withTransaction(this.db, async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(CLAIM_LOCK_CLASS))}, hashtext(${llmId}))`);
      return work(tx);
    });
  }
}

function distinct(rows: Array<{ llmId: string }>): string[] {
  return [...new Set(rows.map((row) => row.llmId))];
}
