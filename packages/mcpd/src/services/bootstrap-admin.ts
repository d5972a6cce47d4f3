import { randomBytes } from 'node:crypto';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { TokenRepository } from '../repositories/token-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';
import { generateId, generateToken, hashToken } from '../security/token.js';
import { adminWhoCanSignIn, someAdmin } from './user-permissions.js';

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
  /** No admin holds a working token and none was preset: nobody can sign in to manage mcpd. */
  | { kind: 'lockedOut' }
  /** A token was preset, and the database has an admin who can sign in without it. */
  | { kind: 'presetUnused' }
  /** Nothing to do: the admin is there, and the preset token, if any, is one of its tokens. */
  | { kind: 'present' };

/**
 * On an empty database, creates the admin user (built-in role `admin`, the `*` grant) and one
 * token: `presetToken` (`MCPD_BOOTSTRAP_TOKEN`), else a generated one to show once. On a database
 * where no admin holds a working token any more (the last one revoked, or expired), gives
 * `presetToken` to an admin: the way back in for whoever runs mcpd.
 */
export async function bootstrapAdmin(repositories: BootstrapRepositories, presetToken: string | undefined, now: Date): Promise<BootstrapOutcome> {
  const { users, tokens, roleBindings } = repositories;
  if ((await users.count()) === 0) {
    const token = presetToken ?? generateToken();
    const user = await users.insert({ id: generateId('usr_'), name: ADMIN_USER_NAME, role: 'admin' });
    await tokens.insert({ id: generateId('tok_'), userId: user.id, name: BOOTSTRAP_TOKEN_NAME, tokenHash: hashToken(token) });
    return { kind: 'created', generatedToken: presetToken ? undefined : token };
  }
  // Automation sets the variable on every start: the token it made at first is simply there.
  if (presetToken !== undefined && (await tokens.findByHash(hashToken(presetToken)))) return { kind: 'present' };
  if (await adminWhoCanSignIn(tokens, roleBindings, now)) return { kind: presetToken === undefined ? 'present' : 'presetUnused' };
  const admin = await someAdmin(users, roleBindings);
  if (presetToken === undefined || !admin) return { kind: 'lockedOut' };
  const taken = new Set((await tokens.list()).filter(({ user }) => user.id === admin.id).map(({ token }) => token.name));
  const tokenName = taken.has(BOOTSTRAP_TOKEN_NAME) ? `${BOOTSTRAP_TOKEN_NAME}-${randomBytes(3).toString('hex')}` : BOOTSTRAP_TOKEN_NAME;
  await tokens.insert({ id: generateId('tok_'), userId: admin.id, name: tokenName, tokenHash: hashToken(presetToken), createdAt: now });
  return { kind: 'restored', userName: admin.name, tokenName };
}
