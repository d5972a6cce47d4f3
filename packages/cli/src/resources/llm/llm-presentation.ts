import type { LlmView } from '@mcpctl/protocol';
import { VIRTUAL_FIELD } from '../../documents/virtual-marker.js';
import type { ResourcePresentation } from '../resource-presentation.js';
import { VIRTUAL_LLM_EDITABLE_FIELDS } from '@mcpctl/protocol';

/** How LLMs look in `get`: the columns of SPEC §7, and `kind: Llm` YAML documents `apply` reads back. */
export const llmPresentation: ResourcePresentation<LlmView> = {
  kind: 'Llm',
  plural: 'LLMs',
  columns: [
    { header: 'name', value: (llm) => llm.name },
    { header: 'kind', value: (llm) => llm.kind },
    { header: 'status', value: (llm) => llm.status },
    { header: 'visibility', value: (llm) => llm.visibility },
    { header: 'type', value: (llm) => llm.type },
    { header: 'model', value: (llm) => llm.model },
    { header: 'tier', value: (llm) => llm.tier },
    { header: 'pool', value: (llm) => llm.poolName },
    { header: 'key', value: (llm) => (llm.hasApiKey ? 'yes' : null) },
    { header: 'id', value: (llm) => llm.id },
    { header: 'owner', value: (llm) => llm.owner, wideOnly: true },
    { header: 'max-concurrent', value: (llm) => llm.maxConcurrent, wideOnly: true },
    { header: 'last-heartbeat', value: (llm) => llm.lastHeartbeatAt, wideOnly: true },
    { header: 'url', value: (llm) => llm.url, wideOnly: true },
    { header: 'description', value: (llm) => llm.description, wideOnly: true },
  ],
  toYamlDocument: (llm) => {
    // The document kind takes the `kind` key, so a virtual LLM says so in a field apply reads
    // back (a comment does not survive the parser): its document must never create a public LLM.
    const { kind, ...fields } = llm;
    if (kind !== 'virtual') return { value: { kind: 'Llm', ...fields } };
    return {
      value: { kind: 'Llm', [VIRTUAL_FIELD]: true, ...fields },
      comment: `virtual LLM published by mcplocal: apply changes only ${VIRTUAL_LLM_EDITABLE_FIELDS.join(', ')}; the rest is set in its mcplocal config.json`,
    };
  },
};
