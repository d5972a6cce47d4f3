import { tokenViewSchema, type TokenView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
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

export function asTokenNotFound(error: unknown, name: string): unknown {
  return asNotFound(error, 'token', name, 'mcpctl get tokens');
}
