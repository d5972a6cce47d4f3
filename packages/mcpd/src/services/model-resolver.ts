import type { AgentRepository } from '../repositories/agent-repository.js';
import type { LlmCatalog } from './llm-catalog.js';
import { canSee, type Principal } from './principal.js';

/** What a `model` name means to a caller: an LLM wins, then an agent; anything else is left to pools. */
export class ModelResolver {
  constructor(
    private readonly catalog: LlmCatalog,
    private readonly agents: AgentRepository,
  ) {}

  async kindOf(principal: Principal, name: string): Promise<'llm' | 'agent'> {
    const llm = await this.catalog.find(name);
    if (llm && canSee(principal, llm.record)) return 'llm';
    const agent = await this.agents.findByIdOrName(name);
    return agent && agent.name === name && canSee(principal, agent, 'agents') ? 'agent' : 'llm';
  }
}
