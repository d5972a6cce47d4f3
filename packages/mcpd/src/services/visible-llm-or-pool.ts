import type { LlmRepository } from '../repositories/llm-repository.js';
import { canSee, type Principal } from '../rbac/principal.js';

/**
 * Whether `name` is an LLM the caller can see, or a pool with at least one member the caller
 * can see: what an agent may be pinned to. A pool of private rows exists only for their owners.
 */
export async function isVisibleLlmOrPool(llms: LlmRepository, principal: Principal, name: string): Promise<boolean> {
  const llm = await llms.findByName(name);
  if (llm && canSee(principal, llm)) return true;
  return (await llms.listByPool(name)).some((member) => canSee(principal, member));
}
