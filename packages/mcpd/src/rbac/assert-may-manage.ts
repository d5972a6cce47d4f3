import { forbidden } from '../errors.js';
import { notHeld } from './assert-may-grant.js';
import { describeGrant } from './grant.js';
import type { PermissionSet } from './permission-set.js';
import type { Principal } from './principal.js';

/**
 * Refuses to act on another user (change their role or groups, delete them, revoke their tokens)
 * unless the caller holds every grant that user holds: `edit:users` manages the users below or
 * beside its holder, and cannot demote, delete or lock out an admin. Acting on oneself is not
 * checked here.
 */
export function assertMayManage(principal: Principal, target: { id: string; name: string }, targetPermissions: PermissionSet, what: string): void {
  if (target.id === principal.userId) return;
  const missing = notHeld(principal, targetPermissions.grants);
  if (missing) throw forbidden(`${what}: ${target.name} holds ${describeGrant(missing)}, which you do not hold yourself; ask an admin`);
}
