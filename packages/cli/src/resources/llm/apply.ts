import type { LlmCreate, LlmUpdate, LlmView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError, UsageError } from '../../errors.js';
import { publicNotVirtualWarning, unpublishedVirtualError } from '../../documents/virtual-marker.js';
import { namesIn } from '../apply-references.js';
import { UNCHANGED, type ApplyHandler, type ApplyOutcome, type ApplyPlan, type Warn } from '../apply-handler.js';
import { publisherOwnedWarning, virtualChanges } from '../document-changes.js';
import { VIRTUAL_LLM_EDITABLE_FIELDS } from '@mcpctl/protocol';
import { findLlm, llmPath } from './llm-api.js';
import { llmCreateFromSpec, llmSpecChanges, llmSpecFromDocument, type LlmSpec } from './llm-document.js';

/** `kind: Llm` documents of `mcpctl apply`. */
export const llmApplyHandler: ApplyHandler = {
  kind: 'Llm',
  aliases: ['public', 'virtual'],
  givenNames: (document) => ({ llms: namesIn(document, 'name', 'poolName') }),
  prepare: (document, env) => {
    const spec = llmSpecFromDocument(document, env);
    return { label: `llm/${spec.name}`, plan: ({ client, warn }) => planLlm(client, spec, warn) };
  },
};

/**
 * Reads the LLM and decides: create it, update what differs, or leave it alone. A document
 * marked virtual never creates one (only its publisher can), and updates a public LLM of its
 * name with a warning; its `url: null` (a virtual LLM has none) then keeps the public URL.
 */
export async function planLlm(client: ApiClient, spec: LlmSpec, warn: Warn): Promise<ApplyPlan> {
  const current = await findLlm(client, spec.name);
  if (current === undefined) {
    if (spec.virtual !== undefined) {
      throw unpublishedVirtualError({ noun: 'LLM', kind: 'Llm', name: spec.name, marker: spec.virtual, alsoNeeds: 'and set url' });
    }
    const body = llmCreateFromSpec(spec);
    return { send: (sender) => createLlm(sender, body) };
  }
  if (current.kind === 'virtual') return planVirtualLlm(spec, current, warn);
  if (spec.virtual === undefined) return planPublicLlm(spec, current);
  warn(publicNotVirtualWarning(spec.where, 'LLM', spec.name, spec.virtual));
  const { url, ...rest } = spec.update;
  return planPublicLlm({ ...spec, update: url === null ? rest : spec.update }, current);
}

function planPublicLlm(spec: LlmSpec, current: LlmView): ApplyPlan {
  const { url, ...rest } = spec.update;
  if (url === null) {
    throw new UsageError(`a public LLM's url cannot be cleared: leave url out to keep it (url: null is a virtual LLM's)`);
  }
  if (!llmSpecChanges(spec, current)) return UNCHANGED;
  const body: LlmUpdate = { ...rest, ...(url === undefined ? {} : { url }), ...(spec.apiKey === undefined ? {} : { apiKey: spec.apiKey }) };
  return { send: (sender) => updateLlm(sender, spec, body) };
}

/**
 * A virtual LLM's owner may share it (`visibility`) and change its description and tier; the
 * other fields come from the publisher's config.json. Only the editable fields that differ are
 * sent; the others that differ are named in one warning.
 */
function planVirtualLlm(spec: LlmSpec, current: LlmView, warn: Warn): ApplyPlan {
  const { body, publisherOwned } = virtualChanges(spec.update, current, VIRTUAL_LLM_EDITABLE_FIELDS);
  if (typeof spec.apiKey === 'string' || (spec.apiKey === null && current.hasApiKey)) publisherOwned.push('apiKey');
  if (publisherOwned.length > 0) warn(publisherOwnedWarning(spec.where, publisherOwned));
  if (Object.keys(body).length === 0) return UNCHANGED;
  return {
    send: async (sender) => {
      await sender.request('PUT', llmPath(spec.name), { body });
      return 'configured';
    },
  };
}

async function updateLlm(client: ApiClient, spec: LlmSpec, body: LlmUpdate): Promise<ApplyOutcome> {
  try {
    await client.request('PUT', llmPath(spec.name), { body });
  } catch (error) {
    // Deleted between our read and our write: what the document describes is a new LLM, unless it says virtual.
    if (error instanceof ApiError && error.status === 404 && spec.virtual === undefined) return createLlm(client, llmCreateFromSpec(spec));
    throw error;
  }
  return 'configured';
}

async function createLlm(client: ApiClient, body: LlmCreate): Promise<ApplyOutcome> {
  await client.request('POST', llmPath(), { body });
  return 'created';
}
