import { eq, sql } from 'drizzle-orm';
import { agents, llms, type AgentRow, type Database, type LlmRow } from '@mcpctl/db';

/* Any fixed 64-bit number, distinct from the migration lock: writers that claim names take turns. */
const NAMESPACE_LOCK_KEY = 4_172_311_986;

/** Everything that answers to one name: an LLM, an agent, and the members of a pool of that name. */
export interface NameHolders {
  llm: LlmRow | undefined;
  agent: AgentRow | undefined;
  poolMembers: LlmRow[];
}

/** The one namespace LLMs, agents and pools share (SPEC §12), as the database holds it. */
export class NamespaceRepository {
  constructor(private readonly db: Database) {}

  /**
   * Holds the namespace until the surrounding transaction ends, on every replica sharing the
   * database: two writers claiming the same name for different kinds cannot both check first
   * and write second. Only a transaction may call this.
   */
  async lock(): Promise<void> {
    await this.db.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(NAMESPACE_LOCK_KEY))})`);
  }

  async holders(name: string): Promise<NameHolders> {
    const [llm] = await this.db.select().from(llms).where(eq(llms.name, name)).limit(1);
    const [agent] = await this.db.select().from(agents).where(eq(agents.name, name)).limit(1);
    const poolMembers = await this.db.select().from(llms).where(eq(llms.poolName, name));
    return { llm, agent, poolMembers };
  }
}
