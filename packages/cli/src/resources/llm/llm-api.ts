import { llmViewSchema, type LlmView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';

const LIST_HINT = "run 'mcpctl get llms' to list them";

export function llmPath(name?: string): string {
  return name === undefined ? '/api/v1/llms' : `/api/v1/llms/${encodeURIComponent(name)}`;
}

export function listLlms(client: ApiClient): Promise<LlmView[]> {
  return client.get(llmPath(), llmViewSchema.array());
}

/** One LLM by name or id; a 404 becomes `LLM not found: NAME` with a hint. */
export async function getLlm(client: ApiClient, name: string): Promise<LlmView> {
  try {
    return await client.get(llmPath(name), llmViewSchema);
  } catch (error) {
    throw asNotFound(error, name);
  }
}

/** One LLM, or `undefined` when mcpd does not know it (or hides it from the caller). */
export async function findLlm(client: ApiClient, name: string): Promise<LlmView | undefined> {
  try {
    return await client.get(llmPath(name), llmViewSchema);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** mcpd's 404 wording varies by route; the CLI says the same thing for every LLM verb. */
export function asNotFound(error: unknown, name: string): unknown {
  if (error instanceof ApiError && error.status === 404) {
    return new ApiError(404, `LLM not found: ${name}`, { hint: LIST_HINT, cause: error });
  }
  return error;
}
