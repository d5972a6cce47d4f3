import type { Database } from '@mcpctl/db';
import { RoleBindingRepository } from '../../src/repositories/role-binding-repository.js';
import { TokenRepository } from '../../src/repositories/token-repository.js';
import { UserRepository } from '../../src/repositories/user-repository.js';
import { generateId, generateToken, hashToken } from '../../src/security/token.js';

/** Adds a user with one token straight into the database; answers the token. */
export async function addUser(db: Database, name: string, options: { admin?: boolean } = {}): Promise<string> {
  const user = await new UserRepository(db).insert({ id: generateId('usr_'), name });
  const token = generateToken();
  await new TokenRepository(db).insert({ id: generateId('tok_'), userId: user.id, name: 'test', tokenHash: hashToken(token) });
  if (options.admin) {
    await new RoleBindingRepository(db).insert({
      id: generateId('rb_'),
      name: `${name}-admin`,
      subjectKind: 'user',
      subjectName: name,
      permissions: ['*'],
      resourceNames: null,
    });
  }
  return token;
}
