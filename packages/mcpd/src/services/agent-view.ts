import type { AgentView } from '@mcpctl/protocol';
import type { AgentRecord } from '../repositories/agent-repository.js';
import type { AgentLlmState } from './agent-llm-pin.js';

export function toAgentView(record: AgentRecord, llmState: AgentLlmState): AgentView {
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    llm: record.llm,
    llmState,
    description: record.description,
    systemPrompt: record.systemPrompt,
    project: record.project,
    defaultParams: record.defaultParams,
    extras: record.extras,
    visibility: record.visibility,
    ownerId: record.ownerId,
    owner: record.ownerName,
    status: record.kind === 'public' ? 'active' : record.status,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
