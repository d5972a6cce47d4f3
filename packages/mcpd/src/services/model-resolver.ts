import type { Clock } from '@mcpctl/clock';
import type { AgentRecord, AgentRepository } from '../repositories/agent-repository.js';
import type { LlmCatalog } from '../catalog/llm-catalog.js';
import { canSee, type Principal } from '../rbac/principal.js';

interface Entry {
  agent: AgentRecord | undefined;
  fetchedAt: number;
}

/**
 * What a `model` name means to a caller: an LLM wins, then an agent; anything else is left to
 * pools. Agent lookups are cached like LLM rows (misses too: a pool name is not an agent, and
 * asking the database so on every request would cost more than the dispatch itself).
 */
export class ModelResolver {
  readonly #agents = new Map<string, Entry>();

  constructor(
    private readonly catalog: LlmCatalog,
    private readonly agents: AgentRepository,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {
    catalog.onChange(() => this.#agents.clear());
  }

  async kindOf(principal: Principal, name: string): Promise<'llm' | 'agent'> {
    const llm = await this.catalog.find(name);
    if (llm && canSee(principal, llm.record)) return 'llm';
    const agent = await this.#agent(name);
    return agent && canSee(principal, agent, 'agents') ? 'agent' : 'llm';
  }

  async #agent(name: string): Promise<AgentRecord | undefined> {
    const now = this.clock.now().getTime();
    const entry = this.#agents.get(name);
    if (entry && now - entry.fetchedAt < this.ttlMs) return entry.agent;
    const found = await this.agents.findByIdOrName(name);
    const agent = found?.name === name ? found : undefined;
    if (this.#agents.size > 10_000) this.#agents.clear();
    this.#agents.set(name, { agent, fetchedAt: now });
    return agent;
  }
}
