import { ApiError } from '../errors.js';

/**
 * mcpd's 404 wording varies by route; the CLI says `KIND not found: NAME` for every verb of a
 * resource, with a hint naming the command that lists them.
 */
export function asNotFound(error: unknown, what: string, name: string, listCommand: string): unknown {
  if (error instanceof ApiError && error.status === 404) {
    return new ApiError(404, `${what} not found: ${name}`, { hint: `run '${listCommand}' to list them`, cause: error });
  }
  return error;
}
