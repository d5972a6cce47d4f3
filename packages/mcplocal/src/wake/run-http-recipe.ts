import { deadlineSignal, type Clock } from '@mcpctl/clock';
import type { WakeRecipe } from '@mcpctl/protocol';
import { describeNetworkError } from '@mcpctl/upstream';
import { McplocalError } from '../errors.js';
import { urlForMessage } from '../url-for-message.js';
import { formatSeconds } from './format-seconds.js';

export type HttpWakeRecipe = Extract<WakeRecipe, { type: 'http' }>;

export interface HttpRecipeOptions {
  /** Aborts the request and rejects with its reason. */
  signal: AbortSignal;
  /** Times `timeoutMs`. */
  clock: Clock;
  /** A wake request that has not answered after this long has hung. */
  timeoutMs: number;
  fetch?: typeof fetch | undefined;
}

/** The longest part of an error answer quoted in the failure. */
const QUOTED_BODY_CHARS = 200;

/**
 * Sends the recipe's request; any 2xx answer is a success. A non-2xx answer, an unreachable
 * host, or no answer within `timeoutMs` rejects with a McplocalError saying which. Header values
 * never appear in a message: they often carry a token.
 */
export async function runHttpRecipe(recipe: HttpWakeRecipe, options: HttpRecipeOptions): Promise<void> {
  const what = `the wake request ${recipe.method} ${urlForMessage(recipe.url)}`;
  const timeout = deadlineSignal(options.clock, options.timeoutMs, {
    reason: () => new McplocalError(`${what} did not answer within ${formatSeconds(options.timeoutMs)}`),
  });
  const signal = AbortSignal.any([options.signal, timeout.signal]);
  const fetcher = options.fetch ?? globalThis.fetch;
  try {
    let response: Response;
    try {
      response = await fetcher(recipe.url, { method: recipe.method, ...requestBody(recipe), signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new McplocalError(`${what} failed: ${describeNetworkError(error)}`, { cause: error });
    }
    const text = await response.text().catch((error: unknown) => {
      if (signal.aborted) throw signal.reason;
      return `(the body could not be read: ${describeNetworkError(error)})`;
    });
    if (response.ok) return;
    const said = text.replace(/\s+/g, ' ').trim().slice(0, QUOTED_BODY_CHARS);
    throw new McplocalError(`${what} answered HTTP ${response.status}${said ? `: ${said}` : ''}`);
  } finally {
    timeout.clear();
  }
}

/**
 * A string body goes as it is written; any other value as JSON, with a JSON content type unless
 * the recipe names its own.
 */
function requestBody(recipe: HttpWakeRecipe): { headers: Record<string, string>; body?: string } {
  const headers = { ...recipe.headers };
  if (recipe.body === undefined) return { headers };
  if (typeof recipe.body === 'string') return { headers, body: recipe.body };
  const namesContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (!namesContentType) headers['content-type'] = 'application/json';
  return { headers, body: JSON.stringify(recipe.body) };
}
