import type { Clock } from '@mcpctl/clock';
import type { AgentRecord, AgentRepository } from '../repositories/agent-repository.js';
import type { LlmCatalog } from '../catalog/llm-catalog.js';
import { canSee, type Principal } from '../rbac/principal.js';
import { ReadThroughCache } from '../read-through-cache.js';

/**
 * What a `model` name means to a caller: an LLM wins, then an agent; anything else is left to
 * pools. Agent lookups are cached like LLM rows (misses too: a pool name is not an agent, and
 * asking the database so on every request would cost more than the dispatch itself).
 */
export class ModelResolver {
  readonly #agents: ReadThroughCache<AgentRecord | undefined>;

  constructor(
    private readonly catalog: LlmCatalog,
    private readonly agents: AgentRepository,
    clock: Clock,
    ttlMs: number,
  ) {
    this.#agents = new ReadThroughCache(clock, ttlMs);
    catalog.onChange(() => this.#agents.clear());
  }

  async kindOf(principal: Principal, name: string): Promise<'llm' | 'agent'> {
    const llm = await this.catalog.find(name);
    if (llm && canSee(principal, llm.record)) return 'llm';
    const agent = await this.#agent(name);
    return agent && canSee(principal, agent, 'agents') ? 'agent' : 'llm';
  }

  #agent(name: string): Promise<AgentRecord | undefined> {
    return this.#agents.read(name, async () => {
      const found = await this.agents.findByIdOrName(name);
      return found?.name === name ? found : undefined;
    });
  }
}
