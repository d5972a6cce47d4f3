import { VIRTUAL_AGENT_EDITABLE_FIELDS, type AgentView } from '@mcpctl/protocol';
import { VIRTUAL_FIELD } from '../../documents/virtual-marker.js';
import type { ResourcePresentation } from '../resource-presentation.js';
import { formatParams } from './agent-params.js';

/** How agents look in `get`, and as the `kind: Agent` YAML documents `apply` reads back. */
export const agentPresentation: ResourcePresentation<AgentView> = {
  kind: 'Agent',
  plural: 'agents',
  columns: [
    { header: 'name', value: (agent) => agent.name },
    { header: 'kind', value: (agent) => agent.kind },
    { header: 'status', value: (agent) => agent.status },
    { header: 'visibility', value: (agent) => agent.visibility },
    { header: 'llm', value: pinnedLlm },
    { header: 'project', value: (agent) => agent.project },
    { header: 'description', value: (agent) => agent.description },
    { header: 'id', value: (agent) => agent.id },
    { header: 'owner', value: (agent) => agent.owner, wideOnly: true },
    { header: 'params', value: (agent) => formatParams(agent.defaultParams), wideOnly: true },
  ],
  toYamlDocument: (agent) => {
    // As for LLMs: the document kind takes the `kind` key, so a virtual agent says so in a field apply reads back.
    const { kind, ...fields } = agent;
    if (kind !== 'virtual') return { value: { kind: 'Agent', ...fields } };
    return {
      value: { kind: 'Agent', [VIRTUAL_FIELD]: true, ...fields },
      comment: `virtual agent published by mcplocal: apply changes only ${VIRTUAL_AGENT_EDITABLE_FIELDS.join(', ')}; the rest is set in its mcplocal config.json`,
    };
  },
};

/**
 * The agent's LLM, with what became of it when it no longer names what the agent was pointed
 * at: `qwen3 (moved)` (another owner's LLM now: chats refused), `qwen3 (gone)` (deleted).
 */
export function pinnedLlm(agent: AgentView): string {
  return agent.llmState === undefined || agent.llmState === 'pinned' ? agent.llm : `${agent.llm} (${agent.llmState})`;
}
