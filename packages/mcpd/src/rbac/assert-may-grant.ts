import { forbidden } from '../errors.js';
import type { Principal } from './principal.js';
import { describeGrant, type Grant } from './grant.js';

/**
 * Refuses to hand out a grant the caller does not hold itself (through a binding, a role, or a
 * group membership), so `create:rbac` or `edit:users` cannot be turned into admin.
 */
export function assertMayGrant(principal: Principal, grants: readonly Grant[], what: string): void {
  const missing = notHeld(principal, grants);
  if (missing) throw forbidden(`${what} would grant ${describeGrant(missing)}, which you do not hold yourself`);
}

/**
 * Refuses to change or delete a binding that grants what the caller does not hold: taking a
 * grant away from someone is as far beyond the caller as handing it out.
 */
export function assertMayRevoke(principal: Principal, grants: readonly Grant[], what: string): void {
  const missing = notHeld(principal, grants);
  if (missing) throw forbidden(`${what} grants ${describeGrant(missing)}, which you do not hold yourself; only someone who holds it may change or delete it`);
}

/** The first of `grants` the caller does not hold itself. */
export function notHeld(principal: Principal, grants: readonly Grant[]): Grant | undefined {
  return grants.find((grant) => !principal.permissions.covers(grant));
}
