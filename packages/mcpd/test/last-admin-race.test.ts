import { systemClock } from '@mcpctl/clock';
import { createPostgresTestDatabase, TEST_DATABASE_URL_VARIABLE } from '@mcpctl/test-kit';
import { openDatabase, type DatabaseHandle } from '@mcpctl/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrincipal } from '../src/rbac/create-principal.js';
import type { Principal } from '../src/rbac/principal.js';
import { RoleBindingRepository } from '../src/repositories/role-binding-repository.js';
import { UserRepository } from '../src/repositories/user-repository.js';
import { generateId } from '../src/security/token.js';
import { UserService } from '../src/services/user-service.js';
import { userPermissions } from '../src/services/user-permissions.js';

const serverUrl = process.env[TEST_DATABASE_URL_VARIABLE];

/*
 * Two admins changing each other, or themselves, at the same moment. On PostgreSQL each request
 * runs on its own pooled connection: each one's check that an admin remains would see the other
 * still an admin, and both would pass, leaving none, unless the changes run one after the other.
 */
describe.skipIf(!serverUrl)('the last admin among changes at the same moment, on PostgreSQL', () => {
  let database: DatabaseHandle;
  let drop: () => Promise<void>;
  let users: UserRepository;
  let service: UserService;

  beforeEach(async () => {
    const created = await createPostgresTestDatabase(serverUrl ?? '');
    drop = created.drop;
    database = await openDatabase({ url: created.url, maxConnections: 5 });
    users = new UserRepository(database.db);
    service = new UserService(database.db, systemClock, { accessChanged: () => undefined, sessionsRemoved: async () => undefined });
  });

  afterEach(async () => {
    await database.close();
    await drop();
  });

  /** Two users holding the admin role, as the principals their requests would carry. */
  async function twoAdmins(): Promise<[Principal, Principal]> {
    const principal = async (name: string) => {
      const user = await users.insert({ id: generateId('usr_'), name, role: 'admin' });
      return createPrincipal(user, await userPermissions(new RoleBindingRepository(database.db), user), `tok_${name}`);
    };
    return [await principal('ada'), await principal('bea')];
  }

  const admins = async () => (await users.list()).filter((user) => user.role === 'admin').map((user) => user.name);

  it('lets one of two admins demoting themselves at once go, and refuses the other', async () => {
    for (let round = 0; round < 5; round += 1) {
      for (const user of await users.list()) await users.delete(user.id);
      const [ada, bea] = await twoAdmins();
      const results = await Promise.allSettled([service.update(ada, 'ada', { role: 'member' }), service.update(bea, 'bea', { role: 'member' })]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(await admins()).toHaveLength(1);
    }
  });

  it('lets one of two admins deleting each other at once go, and refuses the other, whose caller is gone', async () => {
    for (let round = 0; round < 5; round += 1) {
      for (const user of await users.list()) await users.delete(user.id);
      const [ada, bea] = await twoAdmins();
      const results = await Promise.allSettled([service.delete(ada, 'bea'), service.delete(bea, 'ada')]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(await admins()).toHaveLength(1);
    }
  });
});
