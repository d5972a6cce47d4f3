import type { ApiClient } from '../../api-client.js';
import { ApiError, UsageError } from '../../errors.js';
import type { SourceDocument } from '../../documents/parse-documents.js';
import type { ApplyHandler, ApplyOutcome } from '../apply-handler.js';
import { agentPath, findAgent } from './agent-api.js';
import { agentCreateFromSpec, agentSpecChanges, agentSpecFromDocument, virtualAgentRefusal, type AgentSpec } from './agent-document.js';

/**
 * `kind: Agent` documents of `mcpctl apply`. An agent view printed by `get -o json` says
 * `kind: public` like an LLM view does; it is told apart by its pinned `llm`.
 */
export function agentApplyHandler(warn: (text: string) => void): ApplyHandler {
  return {
    kind: 'Agent',
    aliases: ['public', 'virtual'],
    claims: isAgentView,
    prepare: (document) => {
      const spec = agentSpecFromDocument(document, warn);
      return { label: `agent/${spec.name}`, apply: (client) => applyAgent(client, spec) };
    },
  };
}

function isAgentView(document: SourceDocument): boolean {
  return typeof document.fields.llm === 'string' && document.fields.model === undefined;
}

/** Creates the agent, updates what differs, or leaves it alone when nothing would change. */
export async function applyAgent(client: ApiClient, spec: AgentSpec): Promise<ApplyOutcome> {
  const current = await findAgent(client, spec.name);
  if (current === undefined) return createAgent(client, spec);
  if (current.kind === 'virtual') throw new UsageError(virtualAgentRefusal(`agent/${spec.name}`));
  if (!agentSpecChanges(spec, current)) return 'unchanged';
  try {
    await client.request('PUT', agentPath(spec.name), { body: spec.update });
  } catch (error) {
    // Deleted between our read and our write: what the document describes is a new agent.
    if (error instanceof ApiError && error.status === 404) return createAgent(client, spec);
    throw error;
  }
  return 'configured';
}

async function createAgent(client: ApiClient, spec: AgentSpec): Promise<ApplyOutcome> {
  await client.request('POST', agentPath(), { body: agentCreateFromSpec(spec) });
  return 'created';
}
