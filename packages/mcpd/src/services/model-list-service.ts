import type { AgentView, Model, ModelList } from '@mcpctl/protocol';
import { echo, notFound, type HttpError } from '../errors.js';
import type { Principal } from '../rbac/principal.js';
import type { AgentService } from './agent-service.js';
import type { LlmService } from './llm-service.js';
import type { PoolService } from './pool-service.js';

/** A `model` that names nothing the caller may use, on the OpenAI face: the list says what it may. */
export function unknownModel(name: string): HttpError {
  return notFound(`model not found: ${echo(name)}; GET /v1/models lists the ones you may use`);
}

/** `GET /v1/models`: the LLMs, agents and pools a caller sees, one entry per name. */
export class ModelListService {
  constructor(
    private readonly llms: LlmService,
    private readonly agents: AgentService,
    private readonly pools: PoolService,
  ) {}

  /**
   * An LLM's name hides an agent or pool of the same name, as `model` resolves it. An agent whose
   * LLM moved or is gone is left out: a chat with it is refused until its owner points it anew.
   */
  async list(principal: Principal): Promise<ModelList> {
    return (await this.#read(principal)).list;
  }

  /** `GET /v1/models/ID` (the SDKs' `models.retrieve`): the entry the list has for `id`, else 404 as for a hidden one. */
  async get(principal: Principal, id: string): Promise<Model> {
    const { list, unusableAgents } = await this.#read(principal);
    const found = list.data.find((model) => model.id === id);
    if (found) return found;
    const agent = unusableAgents.find((view) => view.name === id);
    if (agent) {
      throw notFound(`model not found: agent ${agent.name} cannot answer now, its LLM ${agent.llm} ${agent.llmState === 'moved' ? 'changed hands' : 'is gone'}; mcpctl describe agent ${agent.name} says what to do`);
    }
    throw unknownModel(id);
  }

  async #read(principal: Principal): Promise<{ list: ModelList; unusableAgents: AgentView[] }> {
    const [llmViews, agentViews, poolViews] = await Promise.all([this.llms.list(principal), this.agents.list(principal), this.pools.list(principal)]);
    const taken = new Set<string>();
    const data: Model[] = [];
    const add = (id: string, created: number, ownedBy: string) => {
      if (taken.has(id)) return;
      taken.add(id);
      data.push({ id, object: 'model', created: Number.isFinite(created) ? created : 0, owned_by: ownedBy });
    };
    const createdOf = new Map(llmViews.map((view) => [view.name, unixSeconds(view.createdAt)]));
    for (const view of llmViews) add(view.name, unixSeconds(view.createdAt), view.owner ?? 'mcpd');
    const unusableAgents: AgentView[] = [];
    for (const view of agentViews) {
      if (view.llmState === undefined || view.llmState === 'pinned') add(view.name, unixSeconds(view.createdAt), 'agent');
      else if (!taken.has(view.name)) unusableAgents.push(view);
    }
    // A pool is as old as its oldest member the caller sees.
    for (const pool of poolViews) add(pool.name, Math.min(...pool.members.map((member) => createdOf.get(member) ?? Infinity)), 'pool');
    return { list: { object: 'list', data }, unusableAgents };
  }
}

/** An ISO time as OpenAI's `created`: whole seconds since the epoch (NaN for a time that does not parse). */
function unixSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}
