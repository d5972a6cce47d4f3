import type { AgentLlmPin } from '@mcpctl/db';
import type { LlmRepository } from '../repositories/llm-repository.js';
import { canSee, type Principal } from '../rbac/principal.js';

/**
 * What an agent pointed at `name` is pinned to: an LLM the caller can see (an LLM wins, as in
 * dispatch), or a pool with at least one member the caller can see; undefined when neither. A
 * pool of private rows exists only for their owners.
 */
export async function visibleLlmPin(llms: LlmRepository, principal: Principal, name: string): Promise<AgentLlmPin | undefined> {
  const llm = await llms.findByName(name);
  if (llm && canSee(principal, llm)) return { kind: 'llm', id: llm.id, ownerId: llm.ownerId };
  if ((await llms.listByPool(name)).some((member) => canSee(principal, member))) return { kind: 'pool' };
  return undefined;
}

/** How an agent's `llm` stands: `pinned` names what it was set to, `moved` another owner's LLM now, `gone` nothing. */
export type AgentLlmState = 'pinned' | 'moved' | 'gone';

interface PinnedAgent {
  llmPin: AgentLlmPin | null;
  ownerId: string | null;
}

/**
 * `current` is the LLM row that answers to the agent's `llm` now, if any, and `poolHasMembers`
 * whether a pool of that name has a member (both as the caller may see them). An LLM pin holds
 * for the same row, or for a row of the same owner (deleted and made again); a pool pin holds
 * while no LLM answers to the pool's name, and is gone with the pool's last member. A row stored
 * before pins (null) holds for an LLM of the agent's own owner, or for a pool.
 */
export function agentLlmState(agent: PinnedAgent, current: { id: string; ownerId: string | null } | undefined, poolHasMembers: boolean): AgentLlmState {
  const pin = agent.llmPin;
  if (pin === null) return current === undefined || current.ownerId === agent.ownerId ? 'pinned' : 'moved';
  if (pin.kind === 'pool') return current !== undefined ? 'moved' : poolHasMembers ? 'pinned' : 'gone';
  if (current === undefined) return 'gone';
  return current.id === pin.id || (pin.ownerId !== null && current.ownerId === pin.ownerId) ? 'pinned' : 'moved';
}
