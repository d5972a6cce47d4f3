import { ApiError } from '../errors.js';

/**
 * A 409 on `create`, with what to do: the same kind of resource exists (change it with apply),
 * or another kind holds the name (LLMs, agents and pools share one namespace, so pick another).
 */
export function createConflict(error: ApiError, kind: 'LLM' | 'agent'): ApiError {
  const sameKind = error.message.startsWith(`an ${kind} named `);
  const hint = sameKind ? "change it with 'mcpctl apply -f FILE'" : 'pick another name: LLMs, agents and pools share one namespace';
  return new ApiError(409, error.message, { hint, cause: error });
}
