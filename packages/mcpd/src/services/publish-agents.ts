import type { AgentLlmPin, Database, NewAgentRow } from '@mcpctl/db';
import { agentParamsProblem, chatFieldsMessage, type PublishedAgent } from '@mcpctl/protocol';
import { badRequest, conflict, describeZodError } from '../errors.js';
import { AgentRepository } from '../repositories/agent-repository.js';
import { LlmRepository } from '../repositories/llm-repository.js';
import { generateId } from '../security/token.js';
import { nameTaken, publishedByAnotherUser } from './namespace-rules.js';
import { canSee, type Principal } from '../rbac/principal.js';
import { visibleLlmPin } from './agent-llm-pin.js';

/**
 * The agents half of a register call, inside its transaction: the same rules as for LLM rows
 * (no publishing over a public agent, no taking an active session's, adoption by owner or
 * admin), each agent's LLM must be published alongside it, or be an LLM or pool visible to
 * the publisher, and its default parameters must be ones a request takes.
 */
export async function publishAgents(
  tx: Database,
  principal: Principal,
  sessionId: string,
  published: PublishedAgent[],
  now: Date,
): Promise<string[]> {
  const agents = new AgentRepository(tx);
  const llms = new LlmRepository(tx);
  // The payload's own rows are already written in this transaction, so its providers and a pool they form count.
  const pins = new Map<string, AgentLlmPin>();
  for (const agent of published) {
    const pin = await visibleLlmPin(llms, principal, agent.llmName);
    if (!pin) {
      throw badRequest(`agent ${agent.name}: llmName ${agent.llmName} is neither a provider of this payload nor an LLM or pool you can see`);
    }
    pins.set(agent.name, pin);
    const problem = agent.defaultParams === undefined ? undefined : agentParamsProblem(agent.defaultParams);
    if (problem?.kind === 'chat-fields') throw badRequest(`agent ${agent.name}: defaultParams ${chatFieldsMessage(problem.fields)}`);
    if (problem?.kind === 'invalid') throw badRequest(describeZodError(problem.error, `defaultParams of agent ${agent.name}`));
  }
  const existing = new Map((await agents.findRowsByNames(published.map((agent) => agent.name))).map((row) => [row.name, row]));
  // Names shared with an LLM or a pool are refused by the register's namespace check, after every write.
  for (const agent of published) {
    const row = existing.get(agent.name);
    // A register repeats after every reconnect: an agent keeps what its llmName meant when it was
    // first published, so a name freed and claimed meanwhile by someone else does not get its prompts.
    const kept = row !== undefined && row.llm === agent.llmName && row.llmPin !== null ? row.llmPin : undefined;
    const fields = {
      llm: agent.llmName,
      llmPin: kept ?? pins.get(agent.name) ?? null,
      description: agent.description ?? null,
      systemPrompt: agent.systemPrompt ?? null,
      project: agent.project ?? null,
      defaultParams: agent.defaultParams ?? {},
      extras: agent.extras ?? {},
      status: 'active' as const,
      inactiveSince: null,
      providerSessionId: sessionId,
      updatedAt: now,
    } satisfies Partial<NewAgentRow>;
    if (!row) {
      await agents.insert({ id: generateId('agt_'), name: agent.name, kind: 'virtual', visibility: agent.visibility ?? 'private', ownerId: principal.userId, createdAt: now, ...fields });
      continue;
    }
    // What holds a name the publisher cannot see stays unsaid (SPEC §12).
    const visible = canSee(principal, row, 'agents');
    if (row.kind === 'public') throw conflict(visible ? `Cannot publish over public agent: ${row.name}` : nameTaken(row.name));
    if (row.providerSessionId !== sessionId) {
      if (row.ownerId !== principal.userId && !principal.admin) throw conflict(visible ? publishedByAnotherUser(`agent ${row.name}`) : nameTaken(row.name));
      if (row.status !== 'inactive') throw conflict(visible ? `agent ${row.name} is published by another session that is still active` : nameTaken(row.name));
    }
    // Visibility is kept, as for LLM rows.
    await agents.update(row.id, { ...fields, ownerId: row.providerSessionId === sessionId ? row.ownerId : principal.userId });
  }
  const names = new Set(published.map((agent) => agent.name));
  const dropped = (await agents.listBySession(sessionId)).filter((row) => !names.has(row.name));
  await agents.deleteByIds(dropped.map((row) => row.id));
  return [...names];
}
