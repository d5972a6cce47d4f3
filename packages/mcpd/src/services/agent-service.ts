import type { AgentLlmPin, NewAgentRow } from '@mcpctl/db';
import { agentParamsProblem, chatFieldsMessage, VIRTUAL_AGENT_EDITABLE_FIELDS, type AgentCreate, type AgentUpdate, type AgentView } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { badRequest, conflict, describeZodError, forbidden, notFound } from '../errors.js';
import { AgentRepository, type AgentRecord } from '../repositories/agent-repository.js';
import type { LlmRepository } from '../repositories/llm-repository.js';
import { isUniqueViolation } from '../repositories/unique-violation.js';
import { assertWithinCap } from '../security/per-user-caps.js';
import { generateId } from '../security/token.js';
import { toAgentView } from './agent-view.js';
import { agentLlmState, visibleLlmPin } from './agent-llm-pin.js';
import type { NamespaceGuard } from './namespace-guard.js';
import { nameTaken } from './namespace-rules.js';
import { canChange, canSee, type Principal } from '../rbac/principal.js';

/** Fields of a virtual agent its owner may change; the rest come from its publisher. */
const VIRTUAL_EDITABLE_FIELDS: ReadonlySet<string> = new Set(VIRTUAL_AGENT_EDITABLE_FIELDS);

/** An agent's default parameters, refused where they are written rather than at every chat. */
function assertDefaultParams(name: string, params: Record<string, unknown> | undefined): void {
  const problem = params === undefined ? undefined : agentParamsProblem(params);
  if (problem?.kind === 'chat-fields') throw badRequest(`defaultParams of agent ${name} ${chatFieldsMessage(problem.fields)}`);
  if (problem?.kind === 'invalid') throw badRequest(describeZodError(problem.error, `defaultParams of agent ${name}`));
}

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
    const records = (await this.agents.list()).filter((record) => canSee(principal, record, 'agents'));
    // Judged on the rows the caller may see: a private row that took a name stays unsaid.
    const visible = (await this.llms.list()).filter((llm) => canSee(principal, llm));
    const llms = new Map(visible.map((llm) => [llm.name, llm]));
    const pools = new Set(visible.flatMap((llm) => (llm.poolName === null ? [] : [llm.poolName])));
    return records.map((record) => toAgentView(record, agentLlmState(record, llms.get(record.llm), pools.has(record.llm))));
  }

  async get(principal: Principal, idOrName: string): Promise<AgentView> {
    const record = await this.findVisible(principal, idOrName);
    const current = await this.llms.findByName(record.llm);
    // Only a pool pin asks after its pool's members.
    const poolHasMembers = record.llmPin?.kind === 'pool' && (await this.llms.listByPool(record.llm)).some((member) => canSee(principal, member));
    return toAgentView(record, agentLlmState(record, current && canSee(principal, current) ? current : undefined, poolHasMembers));
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
    const llmPin = await this.#pinOf(principal, input.llm);
    assertDefaultParams(input.name, input.defaultParams);
    assertWithinCap((await this.agents.countOwnedBy(principal.userId)) + 1, this.maxAgents, 'agents', 'delete some first');
    const now = this.clock.now();
    const row: NewAgentRow = {
      id: generateId('agt_'),
      name: input.name,
      kind: 'public',
      llm: input.llm,
      llmPin,
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
    // A new `llm` is pinned to what it names now; the same `llm` sent again (an applied document)
    // keeps the pin, so a name claimed meanwhile by another owner is never taken on by accident.
    const llmPin = patch.llm === undefined || patch.llm === record.llm ? undefined : await this.#pinOf(principal, patch.llm);
    assertDefaultParams(record.name, patch.defaultParams);
    const changes: Partial<NewAgentRow> = { updatedAt: this.clock.now() };
    if (llmPin !== undefined) changes.llmPin = llmPin;
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
  async #pinOf(principal: Principal, name: string): Promise<AgentLlmPin> {
    const pin = await visibleLlmPin(this.llms, principal, name);
    if (!pin) throw badRequest(`llm: ${name} is neither an LLM nor a pool you can see`);
    return pin;
  }

  async #findChangeable(principal: Principal, idOrName: string, verb: 'edit' | 'delete'): Promise<AgentRecord> {
    const record = await this.findVisible(principal, idOrName);
    if (!canChange(principal, record, verb, 'agents')) throw forbidden(`only the owner of agent ${record.name} or an admin may ${verb === 'delete' ? 'delete' : 'change'} it`);
    return record;
  }
}
