import type { AgentView } from '@mcpctl/protocol';
import type { ResourcePresentation } from '../resource-presentation.js';
import { formatParams } from './agent-params.js';
import { VIRTUAL_AGENT_EDITABLE_FIELDS } from './virtual-agent-fields.js';

/** How agents look in `get`, and as the `kind: Agent` YAML documents `apply` reads back. */
export const agentPresentation: ResourcePresentation<AgentView> = {
  plural: 'agents',
  columns: [
    { header: 'name', value: (agent) => agent.name },
    { header: 'kind', value: (agent) => agent.kind },
    { header: 'status', value: (agent) => agent.status },
    { header: 'visibility', value: (agent) => agent.visibility },
    { header: 'llm', value: (agent) => agent.llm },
    { header: 'project', value: (agent) => agent.project },
    { header: 'description', value: (agent) => agent.description },
    { header: 'id', value: (agent) => agent.id },
    { header: 'owner', value: (agent) => agent.owner, wideOnly: true },
    { header: 'params', value: (agent) => formatParams(agent.defaultParams), wideOnly: true },
  ],
  toYamlDocument: (agent) => {
    // As for LLMs: the document kind takes the `kind` key, and public or virtual is the server's business.
    const { kind, ...fields } = agent;
    return {
      value: { kind: 'Agent', ...fields },
      ...(kind === 'virtual'
        ? { comment: `virtual agent published by mcplocal: apply changes only ${VIRTUAL_AGENT_EDITABLE_FIELDS.join(', ')}; the rest is set in its mcplocal config.json` }
        : {}),
    };
  },
};
