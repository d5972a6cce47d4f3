import type { StatusView } from '@mcpctl/protocol';
import type { ApiClient } from '../api-client.js';

/** Who the caller is, and what it may do, as `GET /api/v1/status` says. */
export async function callerStatus(client: ApiClient): Promise<StatusView['user']> {
  return (await client.status()).user;
}

/**
 * An admin, or a caller granted `permission` for every name (a grant limited to names reads
 * `view:users on …`). An mcpd too old to list grants answers false: the caller is then told
 * less, never more.
 */
export function holdsUnlimited(user: StatusView['user'], permission: string): boolean {
  return user.admin || (user.grants?.includes(permission) ?? false);
}

/**
 * Whether the caller holds `permission` in any form: for every name or some, of every row kind
 * or one (`view:llms`, `view:llms:virtual`, `view:llms on qwen`). Undefined when mcpd does not
 * list grants.
 */
export function holdsAny(user: StatusView['user'], permission: string): boolean | undefined {
  if (user.admin) return true;
  if (user.grants === undefined) return undefined;
  return user.grants.some(
    (grant) => grant === '*' || grant.startsWith('* ') || grant === permission || grant.startsWith(`${permission}:`) || grant.startsWith(`${permission} `),
  );
}
