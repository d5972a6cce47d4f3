import type { UserRow } from '@mcpctl/db';
import { grantsOf } from '../rbac/grant.js';
import { PermissionSet } from '../rbac/permission-set.js';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';

/** Every grant a user holds: its own role's, and those of the bindings naming it or its groups. */
export async function userPermissions(roleBindings: Pick<RoleBindingRepository, 'listForSubject'>, user: Pick<UserRow, 'name' | 'role' | 'groups'>): Promise<PermissionSet> {
  const bindings = await roleBindings.listForSubject(user.name, user.groups);
  return new PermissionSet([...grantsOf({ role: user.role, permissions: [], resourceNames: null }), ...bindings.flatMap((binding) => grantsOf(binding))]);
}

/**
 * Whether some user holds the admin grant, by role or by a binding. Asked only when a change may
 * take the last one away, so reading every user's bindings is affordable.
 */
export async function someAdminRemains(users: Pick<UserRepository, 'list'>, roleBindings: Pick<RoleBindingRepository, 'listForSubject'>): Promise<boolean> {
  const all = await users.list();
  if (all.some((user) => user.role === 'admin')) return true;
  for (const user of all) if ((await userPermissions(roleBindings, user)).admin) return true;
  return false;
}
