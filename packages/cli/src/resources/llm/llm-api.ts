import { isPoolView, llmOrPoolViewSchema, llmViewSchema, type LlmView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';

const LIST_HINT = "run 'mcpctl get llms' to list them";

export function llmPath(name?: string): string {
  return name === undefined ? '/api/v1/llms' : `/api/v1/llms/${encodeURIComponent(name)}`;
}

export function listLlms(client: ApiClient): Promise<LlmView[]> {
  return client.get(llmPath(), llmViewSchema.array());
}

/**
 * One LLM by name or id; a 404 becomes `LLM not found: NAME` with a hint, and a pool's name says
 * it is one, pointing at `mcpctl VERB pool NAME` (`verb` is the command asked: `get`, `describe`).
 */
export async function getLlm(client: ApiClient, name: string, verb: 'get' | 'describe' = 'get'): Promise<LlmView> {
  let view;
  try {
    view = await client.get(llmPath(name), llmOrPoolViewSchema);
  } catch (error) {
    throw asNotFound(error, name);
  }
  if (isPoolView(view)) throw new ApiError(404, `${name} is a pool, not an LLM`, { hint: `run 'mcpctl ${verb} pool ${name}'` });
  return view;
}

/**
 * `delete llm NAME` found nothing to delete: when NAME is a pool, says so. A pool has no row of
 * its own to delete; it lasts while LLMs name it as their `poolName`.
 */
export async function asDeleteNotFound(client: ApiClient, error: unknown, name: string): Promise<unknown> {
  if (!(error instanceof ApiError && error.status === 404)) return error;
  const view = await client.get(llmPath(name), llmOrPoolViewSchema).catch(() => undefined);
  if (view === undefined || !isPoolView(view)) return asNotFound(error, name);
  return new ApiError(404, `${name} is a pool, not an LLM: a pool ends when its last member leaves it (delete the members, or clear their poolName)`, {
    hint: `run 'mcpctl describe pool ${name}' to see its members`,
    cause: error,
  });
}

/**
 * One LLM, or `undefined` when mcpd does not know it (or hides it from the caller). mcpd answers
 * a pool's name with the pool's view: that is not an LLM either.
 */
export async function findLlm(client: ApiClient, name: string): Promise<LlmView | undefined> {
  try {
    const view = await client.get(llmPath(name), llmOrPoolViewSchema);
    return isPoolView(view) ? undefined : view;
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
