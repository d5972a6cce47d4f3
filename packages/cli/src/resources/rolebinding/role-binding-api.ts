import { roleBindingViewSchema, type RoleBindingView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';
import { asNotFound } from '../not-found.js';

export function roleBindingPath(name?: string): string {
  return name === undefined ? '/api/v1/rolebindings' : `/api/v1/rolebindings/${encodeURIComponent(name)}`;
}

export function listRoleBindings(client: ApiClient): Promise<RoleBindingView[]> {
  return client.get(roleBindingPath(), roleBindingViewSchema.array());
}

export async function getRoleBinding(client: ApiClient, name: string): Promise<RoleBindingView> {
  try {
    return await client.get(roleBindingPath(name), roleBindingViewSchema);
  } catch (error) {
    throw asRoleBindingNotFound(error, name);
  }
}

export async function findRoleBinding(client: ApiClient, name: string): Promise<RoleBindingView | undefined> {
  try {
    return await client.get(roleBindingPath(name), roleBindingViewSchema);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export function asRoleBindingNotFound(error: unknown, name: string): unknown {
  return asNotFound(error, 'role binding', name, 'mcpctl get rolebindings');
}
