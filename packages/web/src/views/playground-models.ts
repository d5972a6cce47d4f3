import type { AgentView, LiveLlmView, PoolView } from '@mcpctl/protocol';

/** A model the playground offers: the name to send as `model`, and what it is. */
export interface PlaygroundModel {
  id: string;
  kind: 'LLM' | 'agent' | 'pool';
}

/**
 * The models a chat may name, from the live lists, so the choice follows a model created or
 * deleted while the page is open. The rules are `GET /v1/models`': an LLM's name hides an agent or
 * pool of the same name, and an agent whose LLM moved or is gone is left out (a chat is refused).
 * Undefined while any list has not arrived yet.
 */
export function playgroundModels(llms: LiveLlmView[] | undefined, pools: PoolView[] | undefined, agents: AgentView[] | undefined): PlaygroundModel[] | undefined {
  if (!llms || !pools || !agents) return undefined;
  const models = new Map<string, PlaygroundModel>();
  const add = (id: string, kind: PlaygroundModel['kind']) => {
    if (!models.has(id)) models.set(id, { id, kind });
  };
  for (const llm of llms) add(llm.name, 'LLM');
  for (const agent of agents) if (agent.llmState === undefined || agent.llmState === 'pinned') add(agent.name, 'agent');
  for (const pool of pools) add(pool.name, 'pool');
  return [...models.values()];
}
