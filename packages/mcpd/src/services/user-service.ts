import type { Database, UserRow } from '@mcpctl/db';
import type { RoleName, UserCreate, UserUpdate, UserView } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { conflict, forbidden, notFound } from '../errors.js';
import { assertMayGrant } from '../rbac/assert-may-grant.js';
import { assertMayManage } from '../rbac/assert-may-manage.js';
import { grantsOf, type Grant } from '../rbac/grant.js';
import { AgentRepository } from '../repositories/agent-repository.js';
import { LlmRepository } from '../repositories/llm-repository.js';
import { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import { isUniqueViolation } from '../repositories/unique-violation.js';
import { UserRepository } from '../repositories/user-repository.js';
import { generateId } from '../security/token.js';
import type { Principal } from '../rbac/principal.js';
import { changeAccess } from './change-access.js';
import { userPermissions } from './user-permissions.js';
import { toUserView } from './user-view.js';

/** Every user id starts so (`get users` shows it); a name that does too still wins. */
const USER_ID_PREFIX = 'usr_';

/** What else must forget a user's access when it changes. */
export interface AccessHooks {
  /** Cached token verifications and permissions are stale; `userIds` were deleted, and the calls they are making end. */
  accessChanged(change?: { userIds: string[] }): void;
  /** The user's provider sessions are gone: close their control streams. */
  sessionsRemoved(sessionIds: string[]): Promise<void>;
}

/** Users: everyone sees themselves; `view/create/edit/delete:users` for the rest. */
export class UserService {
  readonly #users: UserRepository;
  readonly #roleBindings: RoleBindingRepository;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly hooks: AccessHooks,
  ) {
    this.#users = new UserRepository(db);
    this.#roleBindings = new RoleBindingRepository(db);
  }

  async list(principal: Principal): Promise<UserView[]> {
    const users = await this.#users.list();
    return users.filter((user) => visible(principal, user)).map(toUserView);
  }

  async get(principal: Principal, idOrName: string): Promise<UserView> {
    return toUserView(await this.#findVisible(principal, await this.nameOf(principal, idOrName)));
  }

  /**
   * The name of the user `idOrName` names, by name or by the id `get users` shows; every check
   * reads names. An id of a user the caller may not see stays as given, so its refusal names nobody.
   */
  async nameOf(principal: Principal, idOrName: string): Promise<string> {
    if (!idOrName.startsWith(USER_ID_PREFIX)) return idOrName;
    const byId = await this.#users.findById(idOrName);
    return byId && visible(principal, byId) && !(await this.#users.findByName(idOrName)) ? byId.name : idOrName;
  }

  async create(principal: Principal, input: UserCreate): Promise<UserView> {
    if (!principal.can('create', 'users', { name: input.name })) throw forbidden('creating users needs the create:users permission');
    const role = input.role === undefined ? 'member' : input.role;
    const groups = unique(input.groups ?? []);
    await assertMayConfer(this.#roleBindings, principal, role, groups, `user ${input.name}`);
    try {
      return toUserView(await this.#users.insert({ id: generateId(USER_ID_PREFIX), name: input.name, groups, role, at: this.clock.now() }));
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`a user named ${input.name} already exists`);
      throw error;
    }
  }

  async update(principal: Principal, idOrName: string, patch: UserUpdate): Promise<UserView> {
    const name = await this.nameOf(principal, idOrName);
    const updated = await changeAccess(this.db, this.clock, principal, `${name} is the only admin`, async (tx, caller) => {
      const users = new UserRepository(tx);
      const bindings = new RoleBindingRepository(tx);
      const user = await findVisible(users, caller, name);
      if (!caller.can('edit', 'users', { name })) throw forbidden(`changing user ${name} needs the edit:users permission`);
      assertMayManage(caller, user, await userPermissions(bindings, user), `changing user ${name}`);
      const groups = patch.groups === undefined ? undefined : unique(patch.groups);
      const addedGroups = (groups ?? []).filter((group) => !user.groups.includes(group));
      const newRole = patch.role !== undefined && patch.role !== user.role ? patch.role : null;
      await assertMayConfer(bindings, caller, newRole, addedGroups, `changing user ${name}`);
      const row = await users.update(user.id, {
        updatedAt: this.clock.now(),
        ...(groups === undefined ? {} : { groups }),
        ...(patch.role === undefined ? {} : { role: patch.role }),
      });
      if (!row) throw notFound(`user not found: ${name}`);
      return row;
    });
    this.hooks.accessChanged();
    return toUserView(updated);
  }

  /**
   * Deletes the user with its tokens, its own bindings, its provider sessions and the virtual
   * LLMs and agents they published; public rows it owned stay, owned by nobody (admins manage them).
   */
  async delete(principal: Principal, idOrName: string): Promise<void> {
    const name = await this.nameOf(principal, idOrName);
    const { userId, sessionIds } = await changeAccess(this.db, this.clock, principal, `${name} is the only admin`, async (tx, caller) => {
      const users = new UserRepository(tx);
      const bindings = new RoleBindingRepository(tx);
      const llms = new LlmRepository(tx);
      const agents = new AgentRepository(tx);
      const user = await findVisible(users, caller, name);
      if (!caller.can('delete', 'users', { name })) throw forbidden(`deleting user ${name} needs the delete:users permission`);
      if (user.id === caller.userId) throw conflict('you cannot delete yourself; ask another admin');
      assertMayManage(caller, user, await userPermissions(bindings, user), `deleting user ${name}`);
      // First, so a role binding being made for this user either lands before its bindings are
      // deleted below, or finds the user gone (RoleBindingService's `holdByName`).
      await users.lockForDelete(user.id);
      const ids = await users.providerSessionIds(user.id);
      for (const sessionId of ids) {
        await agents.deleteByIds((await agents.listBySession(sessionId)).map((row) => row.id));
        await llms.deleteByIds((await llms.listBySession(sessionId)).map((row) => row.id));
      }
      await bindings.deleteForUser(user.name);
      await users.delete(user.id);
      return { userId: user.id, sessionIds: ids };
    });
    this.hooks.accessChanged({ userIds: [userId] });
    await this.hooks.sessionsRemoved(sessionIds);
  }

  async #findVisible(principal: Principal, name: string): Promise<UserRow> {
    return findVisible(this.#users, principal, name);
  }
}

async function findVisible(users: UserRepository, principal: Principal, name: string): Promise<UserRow> {
  const user = await users.findByName(name);
  if (!user || !visible(principal, user)) throw notFound(`user not found: ${name}`);
  return user;
}

/** A role or group membership is a grant: the caller must hold what it confers. */
async function assertMayConfer(bindings: RoleBindingRepository, principal: Principal, role: RoleName | null, groups: string[], what: string): Promise<void> {
  const grants: Grant[] = role ? grantsOf({ role, permissions: [], resourceNames: null }) : [];
  for (const binding of await bindings.listForGroups(groups)) grants.push(...grantsOf(binding));
  assertMayGrant(principal, grants, what);
}

function visible(principal: Principal, user: UserRow): boolean {
  return user.id === principal.userId || principal.can('view', 'users', { name: user.name });
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
