import { tokenViewSchema, type TokenView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError, UsageError } from '../../errors.js';
import { asNotFound } from '../not-found.js';

/** `user` picks whose token a name refers to; mcpd defaults to the caller. */
export function tokenPath(idOrName?: string, user?: string): string {
  if (idOrName === undefined) return '/api/v1/tokens';
  const query = user === undefined ? '' : `?user=${encodeURIComponent(user)}`;
  return `/api/v1/tokens/${encodeURIComponent(idOrName)}${query}`;
}

export function listTokens(client: ApiClient): Promise<TokenView[]> {
  return client.get(tokenPath(), tokenViewSchema.array());
}

function asTokenNotFound(error: unknown, name: string): unknown {
  return asNotFound(error, 'token', name, 'mcpctl get tokens');
}

/**
 * A 404 for NAME without `--user`: mcpd looked among the caller's own tokens. When the caller can
 * see tokens of that name that are other users' (an admin), the hint names them and `--user`.
 */
export async function tokenNotFound(client: ApiClient, error: unknown, name: string, user: string | undefined): Promise<unknown> {
  const notFound = asTokenNotFound(error, name);
  if (user !== undefined || !(notFound instanceof ApiError) || notFound.status !== 404) return notFound;
  const owners = await listTokens(client).then(
    (tokens) => [...new Set(tokens.filter((token) => token.name === name || token.id === name).map((token) => token.user))],
    () => [],
  );
  if (owners.length === 0) return notFound;
  const whose = owners.length === 1 ? `it is ${owners[0] ?? ''}'s` : `tokens of that name are ${owners.join(', ')}'s`;
  return new ApiError(404, `you have no token ${name}`, { hint: `${whose}: add --user ${owners.length === 1 ? (owners[0] ?? 'USER') : 'USER'}`, cause: error });
}

/**
 * The tokens named NAME (or with id NAME) the caller sees, of `user` when given; a 404 when there
 * is none, and a usage error when several users have one of that name and `user` does not pick.
 */
export async function findTokens(client: ApiClient, name: string, user: string | undefined): Promise<TokenView[]> {
  const matching = (await listTokens(client)).filter((token) => (token.name === name || token.id === name) && (user === undefined || token.user === user));
  if (matching.length === 0) {
    throw new ApiError(404, `token not found: ${name}${user === undefined ? '' : ` (user ${user})`}`, { hint: "run 'mcpctl get tokens' to list them" });
  }
  const owners = [...new Set(matching.map((token) => token.user))];
  if (owners.length > 1) throw new UsageError(`tokens named ${name} are ${owners.join(', ')}'s`, { hint: 'add --user USER to pick one' });
  return matching;
}
