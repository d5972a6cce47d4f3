import type { Clock } from '@mcpctl/clock';
import type { Database, Transaction } from '@mcpctl/db';
import { conflict, unauthorized } from '../errors.js';
import { createPrincipal } from '../rbac/create-principal.js';
import type { Principal } from '../rbac/principal.js';
import { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import { runExclusively } from '../repositories/singleton-lock.js';
import { TokenRepository } from '../repositories/token-repository.js';
import { UserRepository } from '../repositories/user-repository.js';
import { adminWhoCanSignIn, someAdminRemains, userPermissions } from './user-permissions.js';

/**
 * Runs a change of who holds what (a user's role or groups, a user deleted, a token revoked, a
 * binding made, changed or deleted) one at a time among every replica, in a transaction holding
 * the access lock. `work` gets the caller as it is now, read in that transaction (a request
 * authenticated a moment ago may come from someone demoted or deleted since), and reads what it
 * checks through `tx`, so two changes at once cannot each pass on what the other is about to
 * undo. A change that leaves no admin where there was one is undone, and refused; so is one that
 * leaves no admin with a working token where there was one, as nobody could sign in to manage
 * mcpd then. `what` begins the refusal of the first kind (`alice is the only admin`).
 */
export function changeAccess<T>(db: Database, clock: Pick<Clock, 'now'>, principal: Principal, what: string, work: (tx: Transaction, caller: Principal) => Promise<T>): Promise<T> {
  return runExclusively(db, 'access', async (tx) => {
    const users = new UserRepository(tx);
    const bindings = new RoleBindingRepository(tx);
    const tokens = new TokenRepository(tx);
    const hadAdmin = await someAdminRemains(users, bindings);
    const hadSignIn = (await adminWhoCanSignIn(tokens, bindings, clock.now())) !== undefined;
    const result = await work(tx, await callerNow(users, bindings, principal));
    if (hadAdmin && !(await someAdminRemains(users, bindings))) throw conflict(lastAdminMessage(what));
    if (hadSignIn && !(await adminWhoCanSignIn(tokens, bindings, clock.now()))) throw conflict(LAST_ADMIN_TOKEN);
    return result;
  });
}

/** The caller with the grants it holds now; a user deleted since its request was authenticated is refused. */
async function callerNow(users: UserRepository, bindings: RoleBindingRepository, principal: Principal): Promise<Principal> {
  const user = await users.findById(principal.userId);
  if (!user) throw unauthorized(`user ${principal.userName} was deleted`);
  return createPrincipal(user, await userPermissions(bindings, user), principal.tokenId, principal.tokenExpiresAt);
}

/** The refusal of a change that would leave no admin: nobody could manage mcpd any more. */
function lastAdminMessage(what: string): string {
  return `${what}: the change would leave nobody who may manage mcpd; make another user an admin first (role: admin, or a binding granting *)`;
}

/**
 * The refusal of a change that would leave no admin anyone can sign in as. It names no change: a
 * caller's `what` (`alice is the only admin`) words the other refusal, and would mislead here.
 */
const LAST_ADMIN_TOKEN =
  "the change would leave no admin with a working token, and nobody could sign in to manage mcpd; give an admin another token first ('mcpctl create token --name NAME', with --user NAME for another admin)";
