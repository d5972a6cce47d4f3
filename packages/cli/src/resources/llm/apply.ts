import type { ApiClient } from '../../api-client.js';
import { ApiError, UsageError } from '../../errors.js';
import type { ApplyHandler, ApplyOutcome } from '../apply-handler.js';
import { findLlm, llmPath } from './llm-api.js';
import { llmCreateFromSpec, llmSpecChanges, llmSpecFromDocument, type LlmSpec } from './llm-document.js';

/** `kind: Llm` documents of `mcpctl apply`. */
export function llmApplyHandler(warn: (text: string) => void): ApplyHandler {
  return {
    kind: 'Llm',
    aliases: ['public', 'virtual'],
    prepare: (document, env) => {
      const spec = llmSpecFromDocument(document, env, warn);
      return { label: `llm/${spec.name}`, apply: (client) => applyLlm(client, spec) };
    },
  };
}

/** Creates the LLM, updates what differs, or leaves it alone when nothing would change. */
export async function applyLlm(client: ApiClient, spec: LlmSpec): Promise<ApplyOutcome> {
  const current = await findLlm(client, spec.name);
  if (current === undefined) return createLlm(client, spec);
  if (current.kind === 'virtual') {
    throw new UsageError(`llm/${spec.name} is a virtual LLM: mcplocal publishes it, so change it in mcplocal's config.json instead`);
  }
  if (!llmSpecChanges(spec, current)) return 'unchanged';
  const body = spec.apiKey === undefined ? spec.update : { ...spec.update, apiKey: spec.apiKey };
  try {
    await client.request('PUT', llmPath(spec.name), { body });
  } catch (error) {
    // Deleted between our read and our write: what the document describes is a new LLM.
    if (error instanceof ApiError && error.status === 404) return createLlm(client, spec);
    throw error;
  }
  return 'configured';
}

async function createLlm(client: ApiClient, spec: LlmSpec): Promise<ApplyOutcome> {
  await client.request('POST', llmPath(), { body: llmCreateFromSpec(spec) });
  return 'created';
}
