import { userViewSchema, type UserView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';
import { asNotFound } from '../not-found.js';

export function userPath(name?: string): string {
  return name === undefined ? '/api/v1/users' : `/api/v1/users/${encodeURIComponent(name)}`;
}

export function listUsers(client: ApiClient): Promise<UserView[]> {
  return client.get(userPath(), userViewSchema.array());
}

export async function getUser(client: ApiClient, name: string): Promise<UserView> {
  try {
    return await client.get(userPath(name), userViewSchema);
  } catch (error) {
    throw asUserNotFound(error, name);
  }
}

/** One user, or `undefined` when mcpd does not know it (or hides it from the caller). */
export async function findUser(client: ApiClient, name: string): Promise<UserView | undefined> {
  try {
    return await client.get(userPath(name), userViewSchema);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export function asUserNotFound(error: unknown, name: string): unknown {
  return asNotFound(error, 'user', name, 'mcpctl get users');
}
