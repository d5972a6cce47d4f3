import type { AgentCreate, AgentView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';
import type { SourceDocument } from '../../documents/parse-documents.js';
import { publicNotVirtualWarning, unpublishedVirtualError } from '../../documents/virtual-marker.js';
import { UNCHANGED, type ApplyHandler, type ApplyOutcome, type ApplyPlan, type PlanContext, type Warn } from '../apply-handler.js';
import { publisherOwnedWarning, virtualChanges } from '../document-changes.js';
import { VIRTUAL_AGENT_EDITABLE_FIELDS } from '@mcpctl/protocol';
import { agentPath, findAgent } from './agent-api.js';
import { agentCreateFromSpec, agentSpecChanges, agentSpecFromDocument, type AgentSpec } from './agent-document.js';

/**
 * `kind: Agent` documents of `mcpctl apply`. An agent view printed by `get -o json` says
 * `kind: public` like an LLM view does; it is told apart by its pinned `llm`.
 */
export const agentApplyHandler: ApplyHandler = {
  kind: 'Agent',
  aliases: ['public', 'virtual'],
  claims: isAgentView,
  prepare: (document, _env, warn) => {
    const spec = agentSpecFromDocument(document, warn);
    return { label: `agent/${spec.name}`, plan: (context) => planAgent(context, spec) };
  },
};

function isAgentView(document: SourceDocument): boolean {
  return typeof document.fields.llm === 'string' && document.fields.model === undefined;
}

/**
 * Reads the agent and decides: create it, update what differs, or leave it alone. A document
 * marked virtual never creates one (only its publisher can), and updates a public agent of its
 * name with a warning. An `llm` sent is checked as mcpd checks it: a new one, not the one the
 * agent has (which mcpd keeps pinned as it is).
 */
export async function planAgent({ client, warn, references }: PlanContext, spec: AgentSpec): Promise<ApplyPlan> {
  const current = await findAgent(client, spec.name);
  if (current === undefined) {
    if (spec.virtual !== undefined) throw unpublishedVirtualError({ noun: 'agent', kind: 'Agent', name: spec.name, marker: spec.virtual });
    const body = agentCreateFromSpec(spec);
    await references.checkLlm(body.llm);
    return { send: (sender) => createAgent(sender, body) };
  }
  if (current.kind === 'virtual') return planVirtualAgent(spec, current, warn);
  const { llm } = spec.update;
  if (llm !== undefined && llm !== current.llm) await references.checkLlm(llm);
  if (spec.virtual !== undefined) warn(publicNotVirtualWarning(spec.where, 'agent', spec.name, spec.virtual));
  if (leftItsLlm(spec, current)) {
    const what = current.llmState === 'gone' ? 'names nothing you can see any more' : "now names another owner's LLM";
    warn(
      `warning: ${spec.where}: llm ${current.llm} ${what}, so the agent sends nothing there; to point it at what the name means now, delete the agent (mcpctl delete agent ${spec.name}) and apply it again`,
    );
  }
  if (!agentSpecChanges(spec, current)) return UNCHANGED;
  return { send: (sender) => updateAgent(sender, spec) };
}

/**
 * The document names the `llm` the agent already has, and mcpd refuses the agent's chats because
 * that name left what it was pointed at. Applying the same name again changes nothing (a routine
 * apply must not take another owner's LLM on); the warning says how to.
 */
function leftItsLlm(spec: AgentSpec, current: AgentView): boolean {
  return spec.update.llm === current.llm && current.llmState !== undefined && current.llmState !== 'pinned';
}

/** A virtual agent's owner may share it and describe it; the rest comes from the publisher's config.json. */
function planVirtualAgent(spec: AgentSpec, current: AgentView, warn: Warn): ApplyPlan {
  const { body, publisherOwned } = virtualChanges(spec.update, current, VIRTUAL_AGENT_EDITABLE_FIELDS);
  if (publisherOwned.length > 0) warn(publisherOwnedWarning(spec.where, publisherOwned));
  if (Object.keys(body).length === 0) return UNCHANGED;
  return {
    send: async (sender) => {
      await sender.request('PUT', agentPath(spec.name), { body });
      return 'configured';
    },
  };
}

async function updateAgent(client: ApiClient, spec: AgentSpec): Promise<ApplyOutcome> {
  try {
    await client.request('PUT', agentPath(spec.name), { body: spec.update });
  } catch (error) {
    // Deleted between our read and our write: what the document describes is a new agent, unless it says virtual.
    if (error instanceof ApiError && error.status === 404 && spec.virtual === undefined) return createAgent(client, agentCreateFromSpec(spec));
    throw error;
  }
  return 'configured';
}

async function createAgent(client: ApiClient, body: AgentCreate): Promise<ApplyOutcome> {
  await client.request('POST', agentPath(), { body });
  return 'created';
}
