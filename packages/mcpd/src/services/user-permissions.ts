import type { UserRow } from '@mcpctl/db';
import { grantsOf } from '../rbac/grant.js';
import { PermissionSet } from '../rbac/permission-set.js';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { TokenRepository } from '../repositories/token-repository.js';
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
  return (await firstAdmin(await users.list(), roleBindings)) !== undefined;
}

/**
 * An admin holding a token that works at `now` (one without an expiry, or not expired yet): the
 * user someone can still sign in as to manage mcpd. Undefined when there is none.
 */
export async function adminWhoCanSignIn(tokens: Pick<TokenRepository, 'list'>, roleBindings: Pick<RoleBindingRepository, 'listForSubject'>, now: Date): Promise<UserRow | undefined> {
  const holders = new Map<string, UserRow>();
  for (const { token, user } of await tokens.list()) {
    if (token.expiresAt === null || token.expiresAt > now) holders.set(user.id, user);
  }
  return firstAdmin([...holders.values()], roleBindings);
}

/** The first of `users` holding the admin grant: by role first, which needs no query, then by bindings. */
export async function firstAdmin(users: UserRow[], roleBindings: Pick<RoleBindingRepository, 'listForSubject'>): Promise<UserRow | undefined> {
  const byRole = users.find((user) => user.role === 'admin');
  if (byRole) return byRole;
  for (const user of users) if ((await userPermissions(roleBindings, user)).admin) return user;
  return undefined;
}
