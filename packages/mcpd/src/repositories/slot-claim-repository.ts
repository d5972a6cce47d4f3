import { eq, sql } from 'drizzle-orm';
import { llmSlotClaims, type Database } from '@mcpctl/db';
import { rawRows } from './raw-rows.js';

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
 * The slots of public LLMs kept in the database while several replicas serve them. The two
 * statements that may grant are functions of the schema (migration `0006`), one round trip each:
 * each takes the LLM's advisory lock (a two-key lock, apart from the one-key singleton and
 * namespace locks) before it counts, so two replicas never both see the last free slot and the
 * granted claims never pass the limit.
 */
export class SlotClaimRepository {
  constructor(private readonly db: Database) {}

  /** Granted when the claims already running or waiting leave room; otherwise it waits, unless the queue is full. */
  async claim(claim: NewClaim): Promise<ClaimOutcome> {
    const [row] = await rawRows<{ granted: boolean | null; waiting: number; mine: number }>(
      this.db,
      sql`select granted, waiting, mine from mcpd_claim_llm_slot(${claim.id}, ${claim.llmId}, ${claim.replicaId}, ${claim.userId},
        ${claim.limit}::int, ${claim.maxWaiting}::int, ${claim.maxWaitingPerUser}::int)`,
    );
    if (!row || row.granted === null) return { state: 'full', waiting: row?.waiting ?? 0, mine: row?.mine ?? 0 };
    return { state: row.granted ? 'granted' : 'waiting' };
  }

  /**
   * The turns due among the LLM's waiting claims, in the order they were made over every replica:
   * those of `replicaId` are granted. Answers every claim of `replicaId` for the LLM, and whether
   * it is granted now.
   */
  async grantTurns(llmId: string, replicaId: string, limit: number): Promise<Map<string, boolean>> {
    const rows = await rawRows<{ claimId: string; granted: boolean }>(
      this.db,
      sql`select claim_id as "claimId", granted from mcpd_grant_llm_slots(${llmId}, ${replicaId}, ${limit}::int)`,
    );
    return new Map(rows.map((row) => [row.claimId, row.granted]));
  }

  /** Stores granted claims again (their replica was taken for dead and its claims swept): their requests still run. */
  async restore(claims: ReadonlyArray<{ id: string; llmId: string; userId: string }>, replicaId: string): Promise<void> {
    if (claims.length === 0) return;
    await this.db
      .insert(llmSlotClaims)
      .values(claims.map((claim) => ({ id: claim.id, llmId: claim.llmId, userId: claim.userId, replicaId, granted: true })))
      .onConflictDoNothing();
  }

  async release(id: string): Promise<void> {
    await this.db.delete(llmSlotClaims).where(eq(llmSlotClaims.id, id));
  }

  /** Removes these claims (their releases failed); answers the LLMs that got room. */
  async forget(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await rawRows<{ llmId: string }>(
      this.db,
      sql`delete from llm_slot_claims where id = any(${sql.param([...ids])}::text[]) returning llm_id as "llmId"`,
    );
    return distinct(rows);
  }

  /** Removes every claim of `replicaId`: it stops, its requests have ended. */
  async forgetReplica(replicaId: string): Promise<void> {
    await this.db.delete(llmSlotClaims).where(eq(llmSlotClaims.replicaId, replicaId));
  }

  /** Claims of replicas that are no longer alive (their rows swept): removed. Answers the LLMs that got room. */
  async sweepOrphans(): Promise<string[]> {
    const rows = await rawRows<{ llmId: string }>(
      this.db,
      sql`delete from llm_slot_claims where replica_id not in (select id from mcpd_replicas) returning llm_id as "llmId"`,
    );
    return distinct(rows);
  }

}

function distinct(rows: Array<{ llmId: string }>): string[] {
  return [...new Set(rows.map((row) => row.llmId))];
}
