import { systemClock } from '@mcpctl/clock';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import type { DatabaseHandle } from '@mcpctl/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrincipal } from '../src/rbac/create-principal.js';
import type { Principal } from '../src/rbac/principal.js';
import { RoleBindingRepository } from '../src/repositories/role-binding-repository.js';
import { TokenRepository } from '../src/repositories/token-repository.js';
import { UserRepository } from '../src/repositories/user-repository.js';
import { generateId } from '../src/security/token.js';
import { TokenService } from '../src/services/token-service.js';
import { UserService } from '../src/services/user-service.js';
import { userPermissions } from '../src/services/user-permissions.js';

/*
 * Revoking another user's token is a change of access like a change of role: it is checked
 * against the caller as it is when the change runs, not as its request was authenticated.
 */
describe.each(testDatabaseVariants())('revoking another user’s token ($name)', ({ open }) => {
  let database: DatabaseHandle;
  let users: UserRepository;
  let tokens: TokenRepository;
  let userService: UserService;
  let revoked: string[];
  let service: TokenService;

  beforeEach(async () => {
    database = await open();
    users = new UserRepository(database.db);
    tokens = new TokenRepository(database.db);
    userService = new UserService(database.db, systemClock, { accessChanged: () => undefined, sessionsRemoved: async () => undefined });
    revoked = [];
    service = new TokenService(database.db, systemClock, async (tokenId) => {
      revoked.push(tokenId);
    });
  });

  afterEach(async () => {
    await database.close();
  });

  /** A user as the principal a request of theirs carries, with one token named `main`. */
  async function user(name: string, role: 'admin' | 'member'): Promise<Principal> {
    const row = await users.insert({ id: generateId('usr_'), name, role });
    await tokens.insert({ id: `tok_${name}`, userId: row.id, name: 'main', tokenHash: `hash-${name}`, expiresAt: null, createdAt: new Date() });
    return createPrincipal(row, await userPermissions(new RoleBindingRepository(database.db), row), `tok_${name}`);
  }

  it('revokes it for an admin, and says so to the hook', async () => {
    const ada = await user('ada', 'admin');
    await user('cal', 'member');
    await service.delete(ada, 'main', 'cal');
    expect(await tokens.findById('tok_cal')).toBeUndefined();
    expect(revoked).toEqual(['tok_cal']);
  });

  it('refuses a caller demoted after its request was authenticated, and keeps the token', async () => {
    const ada = await user('ada', 'admin');
    const bea = await user('bea', 'admin');
    await user('cal', 'member');
    await userService.update(ada, 'bea', { role: 'member' });
    // `bea` still carries the admin grants its request was authenticated with.
    await expect(service.delete(bea, 'main', 'cal')).rejects.toMatchObject({ statusCode: 403 });
    expect(await tokens.findById('tok_cal')).toBeDefined();
    expect(revoked).toEqual([]);
  });

  it('refuses a caller deleted after its request was authenticated', async () => {
    const ada = await user('ada', 'admin');
    const bea = await user('bea', 'admin');
    await user('cal', 'member');
    await userService.delete(ada, 'bea');
    await expect(service.delete(bea, 'tok_cal', undefined)).rejects.toMatchObject({ statusCode: 401 });
    expect(await tokens.findById('tok_cal')).toBeDefined();
  });

  it('lets anyone revoke their own token', async () => {
    const cal = await user('cal', 'member');
    await service.delete(cal, 'main', undefined);
    expect(await tokens.findById('tok_cal')).toBeUndefined();
    expect(revoked).toEqual(['tok_cal']);
  });
});
