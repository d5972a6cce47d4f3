import type { UserRow } from '@mcpctl/db';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { TokenRepository } from '../repositories/token-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';
import { generateId, generateToken, hashToken } from '../security/token.js';
import { adminWhoCanSignIn, firstAdmin } from './user-permissions.js';

export const ADMIN_USER_NAME = 'admin';
/** The name of the admin's first token, and of one `MCPD_BOOTSTRAP_TOKEN` gives back. */
const BOOTSTRAP_TOKEN_NAME = 'bootstrap';

export interface BootstrapRepositories {
  users: UserRepository;
  tokens: TokenRepository;
  roleBindings: RoleBindingRepository;
}

/** What starting on a database did for its admin; the server says it, once. */
export type BootstrapOutcome =
  /** The database was empty: the admin user was made, with `generatedToken` when none was preset. */
  | { kind: 'created'; generatedToken: string | undefined }
  /** No admin held a working token: the preset one was given to `userName` as `tokenName`. */
  | { kind: 'restored'; userName: string; tokenName: string }
  /**
   * No admin holds a working token, and none was preset, or the preset one is already stored and
   * no longer signs in as an admin (`presetStale`): it cannot be given again.
   */
  | { kind: 'lockedOut'; presetStale: boolean }
  /** No user holds the admin grant at all (a database changed by hand): no token can help. */
  | { kind: 'noAdmin' }
  /** A token was preset, and the database has an admin who can sign in without it. */
  | { kind: 'presetUnused' }
  /** Nothing to do: an admin can sign in, with the preset token when there is one. */
  | { kind: 'present' };

/**
 * On an empty database, creates the admin user (built-in role `admin`, the `*` grant) and one
 * token: `presetToken` (`MCPD_BOOTSTRAP_TOKEN`), else a generated one to show once. On a database
 * where no admin holds a working token any more (the last one expired), gives `presetToken` to an
 * admin, the user `admin` first: the way back in for whoever runs mcpd.
 */
export async function bootstrapAdmin(repositories: BootstrapRepositories, presetToken: string | undefined, now: Date): Promise<BootstrapOutcome> {
  const { users, tokens, roleBindings } = repositories;
  if ((await users.count()) === 0) {
    const token = presetToken ?? generateToken();
    const user = await users.insert({ id: generateId('usr_'), name: ADMIN_USER_NAME, role: 'admin' });
    await tokens.insert({ id: generateId('tok_'), userId: user.id, name: BOOTSTRAP_TOKEN_NAME, tokenHash: hashToken(token) });
    return { kind: 'created', generatedToken: presetToken ? undefined : token };
  }
  const signsIn = (await adminWhoCanSignIn(tokens, roleBindings, now)) !== undefined;
  // Automation sets the variable on every start: the token it made at first is simply there.
  const stored = presetToken === undefined ? undefined : await tokens.findByHash(hashToken(presetToken));
  if (signsIn) return { kind: presetToken === undefined || stored ? 'present' : 'presetUnused' };
  // Stored, but expired or no longer an admin's: the token's hash is taken, so it cannot be given again.
  if (presetToken === undefined || stored) return { kind: 'lockedOut', presetStale: stored !== undefined };
  const admin = await adminToRestore(users, roleBindings);
  if (!admin) return { kind: 'noAdmin' };
  const taken = new Set((await tokens.list()).filter(({ user }) => user.id === admin.id).map(({ token }) => token.name));
  // Named after the time, which the injected clock gives: a second recovery the same second is not a case.
  const tokenName = taken.has(BOOTSTRAP_TOKEN_NAME) ? `${BOOTSTRAP_TOKEN_NAME}-${now.toISOString().replace(/\D/g, '').slice(0, 14)}` : BOOTSTRAP_TOKEN_NAME;
  await tokens.insert({ id: generateId('tok_'), userId: admin.id, name: tokenName, tokenHash: hashToken(presetToken), createdAt: now });
  return { kind: 'restored', userName: admin.name, tokenName };
}

/** The user `admin` when it still holds the admin grant, else the first user who does. */
async function adminToRestore(users: UserRepository, roleBindings: RoleBindingRepository): Promise<UserRow | undefined> {
  const named = await users.findByName(ADMIN_USER_NAME);
  return (named && (await firstAdmin([named], roleBindings))) ?? firstAdmin(await users.list(), roleBindings);
}
