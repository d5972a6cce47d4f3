import type { LiveAgentView, LiveLlmView, PoolView } from '@mcpctl/protocol';

/** A model the playground offers: the name to send as `model`, what it is, and whether it can answer. */
export interface PlaygroundModel {
  id: string;
  kind: 'LLM' | 'agent' | 'pool';
  /** The permission the caller's grants lack to chat with it (`run:llms`, `run:agents`); undefined when they allow it or the page cannot tell. */
  needs?: string;
  /** Why it may not answer soon: an LLM or agent not active, a pool with no active member. */
  state?: 'offline' | 'inactive' | 'hibernating';
}

type LlmState = PlaygroundModel['state'];

function llmState(llm: LiveLlmView): LlmState {
  if (llm.status === 'active') return undefined;
  // A workstation's inactive LLM is one whose mcplocal is not connected: offline, as the LLMs view's transport says.
  if (llm.status === 'inactive') return llm.kind === 'virtual' ? 'offline' : 'inactive';
  return 'hibernating';
}

function poolState(pool: PoolView): LlmState {
  if (pool.active > 0) return undefined;
  return pool.hibernating > 0 ? 'hibernating' : 'inactive';
}

/**
 * The models a chat may name, from the live lists, so the choice follows a model created or
 * deleted while the page is open. The rules are `GET /v1/models`': an LLM's name hides an agent or
 * pool of the same name, and an agent whose LLM moved or is gone is left out (a chat is refused).
 * `GET /v1/models` lists what the caller may see, not what it may run: each live row's `mayRun`,
 * mcpd's own verdict on the caller's grants, marks what it would refuse. Where the page cannot
 * tell (a pool or agent whose LLM the caller cannot see), nothing is marked and mcpd decides.
 * Undefined while any list has not arrived yet.
 */
export function playgroundModels(llms: LiveLlmView[] | undefined, pools: PoolView[] | undefined, agents: LiveAgentView[] | undefined): PlaygroundModel[] | undefined {
  if (!llms || !pools || !agents) return undefined;
  const llmByName = new Map(llms.map((llm) => [llm.name, llm]));
  const poolByName = new Map(pools.map((pool) => [pool.name, pool]));
  /** Some member it may run: true; none of them, every member seen: false; else undefined. */
  const mayRunPool = (pool: PoolView): boolean | undefined => {
    const members = pool.members.map((member) => llmByName.get(member));
    const verdicts = members.map((member) => member?.mayRun);
    if (verdicts.includes(true)) return true;
    return verdicts.length > 0 && verdicts.every((verdict) => verdict === false) ? false : undefined;
  };
  const models = new Map<string, PlaygroundModel>();
  const add = (model: PlaygroundModel) => {
    if (!models.has(model.id)) models.set(model.id, model);
  };
  for (const llm of llms) add(entry(llm.name, 'LLM', llm.mayRun ? undefined : 'run:llms', llmState(llm)));
  for (const agent of agents) {
    if (agent.llmState !== undefined && agent.llmState !== 'pinned') continue;
    // mcpd asks for run:agents, then run:llms on the LLM behind it: an agent carries no right to its LLM.
    const llm = llmByName.get(agent.llm);
    const pool = llm ? undefined : poolByName.get(agent.llm);
    const mayRunBehind = llm ? llm.mayRun : pool ? mayRunPool(pool) : undefined;
    // Both named when both are missing: asking for one grant only to be refused for the other wastes a round.
    const lacks = [agent.mayRun ? undefined : 'run:agents', mayRunBehind === false ? `run:llms on ${agent.llm}` : undefined].filter((grant) => grant !== undefined);
    const needs = lacks.length === 0 ? undefined : lacks.join(' and ');
    const own: LlmState = agent.status === 'active' ? undefined : agent.status === 'inactive' && agent.kind === 'virtual' ? 'offline' : agent.status;
    add(entry(agent.name, 'agent', needs, own ?? (llm ? llmState(llm) : pool ? poolState(pool) : undefined)));
  }
  for (const pool of pools) add(entry(pool.name, 'pool', mayRunPool(pool) === false ? 'run:llms on one of its members' : undefined, poolState(pool)));
  return [...models.values()];
}

function entry(id: string, kind: PlaygroundModel['kind'], needs: string | undefined, state: LlmState): PlaygroundModel {
  return { id, kind, ...(needs === undefined ? {} : { needs }), ...(state === undefined ? {} : { state }) };
}

/** How the model list names it: `qwen3`, `reviewer (agent, offline)`, `qwen3 (needs run:llms)`. */
export function modelLabel(model: PlaygroundModel): string {
  const notes = [model.kind === 'LLM' ? undefined : model.kind, model.state, model.needs && `needs ${model.needs}`].filter(Boolean);
  return notes.length === 0 ? model.id : `${model.id} (${notes.join(', ')})`;
}

/** The model chosen until the user picks one: the first it may run that is active, else the first it may run. */
export function defaultModel(models: PlaygroundModel[]): PlaygroundModel | undefined {
  const runnable = models.filter((model) => model.needs === undefined);
  return runnable.find((model) => model.state === undefined) ?? runnable[0];
}
