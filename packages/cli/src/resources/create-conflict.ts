import { ApiError } from '../errors.js';

/**
 * A 409 on `create`, with what to do: the same kind of resource exists (change it with apply),
 * or another kind holds the name (LLMs, agents and pools share one namespace, so pick another).
 */
export function createConflict(error: ApiError, kind: 'LLM' | 'agent'): ApiError {
  const sameKind = error.message.startsWith(`an ${kind} named `);
  // mcpd's own words may already say why (the namespace); the hint does not say it again.
  const why = error.message.includes('share one namespace') ? '' : ': LLMs, agents and pools share one namespace';
  const hint = sameKind ? "change it with 'mcpctl apply -f FILE'" : `pick another name${why}`;
  return new ApiError(409, error.message, { hint, cause: error });
}
