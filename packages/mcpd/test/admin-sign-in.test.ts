import { ManualClock } from '@mcpctl/clock/manual';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import type { DatabaseHandle } from '@mcpctl/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrincipal } from '../src/rbac/create-principal.js';
import type { Principal } from '../src/rbac/principal.js';
import { RoleBindingRepository } from '../src/repositories/role-binding-repository.js';
import { TokenRepository } from '../src/repositories/token-repository.js';
import { UserRepository } from '../src/repositories/user-repository.js';
import { generateId, hashToken } from '../src/security/token.js';
import { bootstrapAdmin } from '../src/services/bootstrap-admin.js';
import { TokenService } from '../src/services/token-service.js';
import { UserService } from '../src/services/user-service.js';
import { userPermissions } from '../src/services/user-permissions.js';

const LOCKOUT =
  "the change would leave no admin with a working token, and nobody could sign in to manage mcpd; give an admin another token first ('mcpctl create token --name NAME', with --user NAME for another admin)";
const DAY_MS = 24 * 60 * 60 * 1000;

/*
 * Someone must always be able to sign in as an admin: the admins' last working token is not
 * revoked, and an operator locked out anyway (the last one expired) gets back in with
 * MCPD_BOOTSTRAP_TOKEN.
 */
describe.each(testDatabaseVariants())('an admin who can sign in ($name)', ({ open }) => {
  let database: DatabaseHandle;
  let clock: ManualClock;
  let users: UserRepository;
  let tokens: TokenRepository;
  let service: TokenService;
  let userService: UserService;

  beforeEach(async () => {
    database = await open();
    clock = new ManualClock();
    users = new UserRepository(database.db);
    tokens = new TokenRepository(database.db);
    service = new TokenService(database.db, clock, async () => undefined);
    userService = new UserService(database.db, clock, { accessChanged: () => undefined, sessionsRemoved: async () => undefined });
  });

  afterEach(async () => {
    await database.close();
  });

  async function user(name: string, role: 'admin' | 'member', tokenNames: Array<{ name: string; expiresAt?: Date }> = [{ name: 'main' }]): Promise<Principal> {
    const row = await users.insert({ id: generateId('usr_'), name, role });
    for (const token of tokenNames) {
      await tokens.insert({ id: `tok_${name}_${token.name}`, userId: row.id, name: token.name, tokenHash: `hash-${name}-${token.name}`, expiresAt: token.expiresAt ?? null, createdAt: clock.now() });
    }
    return createPrincipal(row, await userPermissions(new RoleBindingRepository(database.db), row), `tok_${name}_main`);
  }

  const bootstrap = (preset: string | undefined) =>
    bootstrapAdmin({ users, tokens, roleBindings: new RoleBindingRepository(database.db) }, preset, clock.now());

  it("refuses the only admin revoking its only token, and keeps it", async () => {
    const ada = await user('ada', 'admin');
    await expect(service.delete(ada, 'main', undefined)).rejects.toMatchObject({ statusCode: 409, message: LOCKOUT });
    expect(await tokens.findById('tok_ada_main')).toBeDefined();
  });

  it('lets an admin revoke a token while another admin token works', async () => {
    const ada = await user('ada', 'admin', [{ name: 'main' }, { name: 'laptop' }]);
    await service.delete(ada, 'main', undefined);
    expect(await tokens.findById('tok_ada_main')).toBeUndefined();
  });

  it('counts an expired token as none', async () => {
    const ada = await user('ada', 'admin', [{ name: 'main' }, { name: 'old', expiresAt: new Date(clock.now().getTime() + DAY_MS) }]);
    clock.advance(2 * DAY_MS);
    await expect(service.delete(ada, 'main', undefined)).rejects.toMatchObject({ statusCode: 409, message: LOCKOUT });
  });

  it('refuses an admin stepping down when the admin left holds no token', async () => {
    const ada = await user('ada', 'admin');
    await user('bea', 'admin', []);
    await expect(userService.update(ada, 'ada', { role: 'member' })).rejects.toMatchObject({ statusCode: 409, message: LOCKOUT });
    expect((await users.findByName('ada'))?.role).toBe('admin');
  });

  it('lets members revoke their own last token', async () => {
    await user('ada', 'admin');
    const cal = await user('cal', 'member');
    await service.delete(cal, 'main', undefined);
    expect(await tokens.findById('tok_cal_main')).toBeUndefined();
  });

  it('gives MCPD_BOOTSTRAP_TOKEN to an admin when no admin can sign in, the user admin first, once', async () => {
    const soon = new Date(clock.now().getTime() + DAY_MS);
    // ada sorts before admin: the token still goes to admin.
    await user('ada', 'admin', [{ name: 'main', expiresAt: soon }]);
    await user('admin', 'admin', [{ name: 'bootstrap', expiresAt: soon }]);
    clock.advance(2 * DAY_MS);
    expect(await bootstrap(undefined)).toEqual({ kind: 'lockedOut', presetStale: false });
    expect(await bootstrap('mcpctl_recovered')).toEqual({ kind: 'restored', userName: 'admin', tokenName: 'bootstrap-20260103000000' });
    expect((await tokens.findByHash(hashToken('mcpctl_recovered')))?.user.name).toBe('admin');
    // The next start with the same variable finds its token there.
    expect(await bootstrap('mcpctl_recovered')).toEqual({ kind: 'present' });
  });

  it('says a preset token that is stored but signs in as no admin cannot get anyone back in', async () => {
    // The first start's token, kept in the automation's variable; admin since stepped down, and ops's token expired.
    await user('admin', 'member', [{ name: 'bootstrap' }]);
    await tokens.insert({ id: 'tok_x', userId: (await users.findByName('admin'))!.id, name: 'x', tokenHash: hashToken('mcpctl_first'), expiresAt: null, createdAt: clock.now() });
    await user('ops', 'admin', [{ name: 'main', expiresAt: new Date(clock.now().getTime() + DAY_MS) }]);
    clock.advance(2 * DAY_MS);
    expect(await bootstrap('mcpctl_first')).toEqual({ kind: 'lockedOut', presetStale: true });
    expect(await bootstrap('mcpctl_fresh')).toEqual({ kind: 'restored', userName: 'ops', tokenName: 'bootstrap' });
  });

  it('finds nobody to give the token to when no user is an admin', async () => {
    await user('cal', 'member');
    expect(await bootstrap('mcpctl_any')).toEqual({ kind: 'noAdmin' });
    expect(await tokens.findByHash(hashToken('mcpctl_any'))).toBeUndefined();
  });

  it('leaves the database alone when an admin can sign in', async () => {
    await user('ada', 'admin');
    expect(await bootstrap(undefined)).toEqual({ kind: 'present' });
    expect(await bootstrap('mcpctl_unneeded')).toEqual({ kind: 'presetUnused' });
    expect(await tokens.findByHash(hashToken('mcpctl_unneeded'))).toBeUndefined();
  });

  it('creates the admin on an empty database', async () => {
    expect(await bootstrap('mcpctl_first')).toEqual({ kind: 'created', generatedToken: undefined });
    const made = await tokens.findByHash(hashToken('mcpctl_first'));
    expect(made?.user).toMatchObject({ name: 'admin', role: 'admin' });
    expect(made?.token.name).toBe('bootstrap');
  });
});
