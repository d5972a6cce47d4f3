import { generateId, generateToken, hashToken } from '../security/token.js';
import type { TokenRepository } from '../repositories/token-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';

export const ADMIN_USER_NAME = 'admin';

export interface BootstrapRepositories {
  users: UserRepository;
  tokens: TokenRepository;
}

/**
 * On an empty database, creates the admin user (built-in role `admin`, the `*` grant) and one
 * token. Answers the token when it was generated here (it must be shown once), else undefined.
 */
export async function bootstrapAdmin(
  repositories: BootstrapRepositories,
  presetToken: string | undefined,
): Promise<{ created: boolean; generatedToken: string | undefined }> {
  if ((await repositories.users.count()) > 0) return { created: false, generatedToken: undefined };
  const token = presetToken ?? generateToken();
  const user = await repositories.users.insert({ id: generateId('usr_'), name: ADMIN_USER_NAME, role: 'admin' });
  await repositories.tokens.insert({ id: generateId('tok_'), userId: user.id, name: 'bootstrap', tokenHash: hashToken(token) });
  return { created: true, generatedToken: presetToken ? undefined : token };
}
