import type { NewAgentRow } from '@mcpctl/db';
import type { AgentCreate, AgentUpdate, AgentView } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { AgentRepository, type AgentRecord } from '../repositories/agent-repository.js';
import type { LlmRepository } from '../repositories/llm-repository.js';
import { isUniqueViolation } from '../repositories/unique-violation.js';
import { assertWithinCap } from '../security/per-user-caps.js';
import { generateId } from '../security/token.js';
import { toAgentView } from './agent-view.js';
import { isVisibleLlmOrPool } from './visible-llm-or-pool.js';
import type { NamespaceGuard } from './namespace-guard.js';
import { nameTaken } from './namespace-rules.js';
import { canChange, canSee, type Principal } from '../rbac/principal.js';

/** Fields of a virtual agent its owner may change; the rest come from its publisher. */
const VIRTUAL_EDITABLE_FIELDS: ReadonlySet<string> = new Set(['visibility', 'description']);

/** The registry rules for agents: visibility, ownership, and a name no LLM or pool already answers to. */
export class AgentService {
  constructor(
    private readonly agents: AgentRepository,
    private readonly llms: LlmRepository,
    private readonly clock: Clock,
    private readonly namespace: NamespaceGuard,
    /** Told after every change, so cached name resolution forgets it. */
    private readonly changed: () => void = () => undefined,
    /** Agents one user may own, public and virtual. */
    private readonly maxAgents = Number.POSITIVE_INFINITY,
  ) {}

  async list(principal: Principal): Promise<AgentView[]> {
    return (await this.agents.list()).filter((record) => canSee(principal, record, 'agents')).map(toAgentView);
  }

  async get(principal: Principal, idOrName: string): Promise<AgentView> {
    return toAgentView(await this.findVisible(principal, idOrName));
  }

  /** The agent as the caller may see it; hidden is 404, exactly like missing. */
  async findVisible(principal: Principal, idOrName: string): Promise<AgentRecord> {
    const record = await this.agents.findByIdOrName(idOrName);
    if (!record || !canSee(principal, record, 'agents')) throw notFound(`agent not found: ${idOrName}`);
    return record;
  }

  async create(principal: Principal, input: AgentCreate): Promise<AgentView> {
    if (!principal.can('create', 'agents', { name: input.name, kind: 'public' })) {
      throw forbidden('creating agents needs the create:agents permission');
    }
    await this.#assertLlmKnown(principal, input.llm);
    assertWithinCap((await this.agents.countOwnedBy(principal.userId)) + 1, this.maxAgents, 'agents', 'delete some first');
    const now = this.clock.now();
    const row: NewAgentRow = {
      id: generateId('agt_'),
      name: input.name,
      kind: 'public',
      llm: input.llm,
      description: input.description ?? null,
      systemPrompt: input.systemPrompt ?? null,
      project: input.project ?? null,
      defaultParams: input.defaultParams ?? {},
      extras: input.extras ?? {},
      visibility: input.visibility ?? 'public',
      ownerId: principal.userId,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.namespace.claim(principal, { agents: [input.name] }, async (tx) => {
        const agents = new AgentRepository(tx);
        const existing = await agents.findByIdOrName(input.name);
        if (existing?.name === input.name) {
          throw conflict(canSee(principal, existing, 'agents') ? `an agent named ${input.name} already exists` : nameTaken(input.name));
        }
        await agents.insert(row);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(nameTaken(input.name));
      throw error;
    }
    this.changed();
    return this.get(principal, input.name);
  }

  async update(principal: Principal, idOrName: string, patch: AgentUpdate): Promise<AgentView> {
    const record = await this.#findChangeable(principal, idOrName, 'edit');
    if (record.kind === 'virtual') {
      const locked = Object.keys(patch).filter((field) => !VIRTUAL_EDITABLE_FIELDS.has(field));
      if (locked.length > 0) throw badRequest(`${locked.join(', ')} of virtual agent ${record.name} are set by its publisher (mcplocal)`);
    }
    if (patch.llm !== undefined) await this.#assertLlmKnown(principal, patch.llm);
    const changes: Partial<NewAgentRow> = { updatedAt: this.clock.now() };
    for (const field of ['llm', 'description', 'systemPrompt', 'project', 'defaultParams', 'extras', 'visibility'] as const) {
      if (patch[field] !== undefined) (changes as Record<string, unknown>)[field] = patch[field];
    }
    await this.agents.update(record.id, changes);
    this.changed();
    return this.get(principal, record.id);
  }

  async delete(principal: Principal, idOrName: string): Promise<void> {
    const record = await this.#findChangeable(principal, idOrName, 'delete');
    await this.agents.delete(record.id);
    this.changed();
  }

  /** An agent pins an LLM or pool its creator can see; a typo is caught now, not at the first chat. */
  async #assertLlmKnown(principal: Principal, name: string): Promise<void> {
    if (!(await isVisibleLlmOrPool(this.llms, principal, name))) throw badRequest(`llm: ${name} is neither an LLM nor a pool you can see`);
  }

  async #findChangeable(principal: Principal, idOrName: string, verb: 'edit' | 'delete'): Promise<AgentRecord> {
    const record = await this.findVisible(principal, idOrName);
    if (!canChange(principal, record, verb, 'agents')) throw forbidden(`only the owner of agent ${record.name} or an admin may change it`);
    return record;
  }
}
