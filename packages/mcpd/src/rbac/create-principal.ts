import type { Principal } from './principal.js';
import type { PermissionSet } from './permission-set.js';

/** The principal of an authenticated user with the grants it holds. */
export function createPrincipal(user: { id: string; name: string; groups: string[] }, permissions: PermissionSet, tokenId: string, tokenExpiresAt: number | null = null): Principal {
  return {
    tokenId,
    tokenExpiresAt,
    userId: user.id,
    userName: user.name,
    groups: user.groups,
    admin: permissions.admin,
    permissions,
    can: (verb, resource, target) => permissions.allows(verb, resource, target),
  };
}
