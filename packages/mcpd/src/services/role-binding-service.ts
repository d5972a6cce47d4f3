import type { Database, RoleBindingRow, Transaction } from '@mcpctl/db';
import type { RoleBindingCreate, RoleBindingUpdate, RoleBindingView } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { assertMayGrant, assertMayRevoke } from '../rbac/assert-may-grant.js';
import { grantsOf } from '../rbac/grant.js';
import { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import { UserRepository } from '../repositories/user-repository.js';
import { isUniqueViolation } from '../repositories/unique-violation.js';
import { generateId } from '../security/token.js';
import type { Principal } from '../rbac/principal.js';
import { toRoleBindingView } from './role-binding-view.js';

/** Every role binding id starts so; a name that does too still wins. */
const ROLE_BINDING_ID_PREFIX = 'rb_';
import { changeAccess } from './change-access.js';

/**
 * Role bindings. Everyone sees the bindings that apply to them; `view:rbac` shows the rest.
 * Creating or changing one needs `create:rbac`/`edit:rbac` and may only grant what the
 * caller holds itself.
 */
export class RoleBindingService {
  private readonly bindings: RoleBindingRepository;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    /** Called after every change: cached permissions must not outlive it. */
    private readonly changed: () => void,
  ) {
    this.bindings = new RoleBindingRepository(db);
  }

  async list(principal: Principal): Promise<RoleBindingView[]> {
    const bindings = await this.bindings.list();
    return bindings.filter((binding) => visible(principal, binding)).map(toRoleBindingView);
  }

  async get(principal: Principal, idOrName: string): Promise<RoleBindingView> {
    return toRoleBindingView(await this.#findVisible(principal, await this.#nameOf(principal, idOrName)));
  }

  async create(principal: Principal, input: RoleBindingCreate): Promise<RoleBindingView> {
    const fields = storedFields(input);
    try {
      const row = await changeAccess(this.db, this.clock, principal, `role binding ${input.name}`, async (tx, caller) => {
        if (!caller.can('create', 'rbac', { name: input.name })) throw forbidden('creating role bindings needs the create:rbac permission');
        assertMayGrant(caller, grantsOf(fields), `role binding ${input.name}`);
        await assertSubjectExists(tx, fields);
        return new RoleBindingRepository(tx).insert({ id: generateId(ROLE_BINDING_ID_PREFIX), name: input.name, ...fields, createdAt: this.clock.now() });
      });
      this.changed();
      return toRoleBindingView(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`a role binding named ${input.name} already exists`);
      throw error;
    }
  }

  async update(principal: Principal, idOrName: string, input: RoleBindingUpdate): Promise<RoleBindingView> {
    const name = await this.#nameOf(principal, idOrName);
    const fields = storedFields(input);
    const row = await changeAccess(this.db, this.clock, principal, `role binding ${name} makes the only admin one`, async (tx, caller) => {
      const bindings = new RoleBindingRepository(tx);
      const binding = await findVisible(bindings, caller, name);
      if (!caller.can('edit', 'rbac', { name })) throw forbidden(`changing role binding ${name} needs the edit:rbac permission`);
      assertMayRevoke(caller, grantsOf(binding), `role binding ${name}`);
      assertMayGrant(caller, grantsOf(fields), `role binding ${name}`);
      await assertSubjectExists(tx, fields);
      const updated = await bindings.update(binding.id, fields);
      if (!updated) throw notFound(`role binding not found: ${name}`);
      return updated;
    });
    this.changed();
    return toRoleBindingView(row);
  }

  async delete(principal: Principal, idOrName: string): Promise<void> {
    const name = await this.#nameOf(principal, idOrName);
    await changeAccess(this.db, this.clock, principal, `role binding ${name} makes the only admin one`, async (tx, caller) => {
      const bindings = new RoleBindingRepository(tx);
      const binding = await findVisible(bindings, caller, name);
      if (!caller.can('delete', 'rbac', { name })) throw forbidden(`deleting role binding ${name} needs the delete:rbac permission`);
      assertMayRevoke(caller, grantsOf(binding), `role binding ${name}`);
      await bindings.delete(binding.id);
    });
    this.changed();
  }

  /** As `UserService.nameOf`: a binding named by the id `get rolebindings` shows is the one of its name. */
  async #nameOf(principal: Principal, idOrName: string): Promise<string> {
    if (!idOrName.startsWith(ROLE_BINDING_ID_PREFIX)) return idOrName;
    const byId = await this.bindings.findById(idOrName);
    return byId && visible(principal, byId) && !(await this.bindings.findByName(idOrName)) ? byId.name : idOrName;
  }

  async #findVisible(principal: Principal, name: string): Promise<RoleBindingRow> {
    return findVisible(this.bindings, principal, name);
  }
}

async function findVisible(bindings: RoleBindingRepository, principal: Principal, name: string): Promise<RoleBindingRow> {
  const binding = await bindings.findByName(name);
  if (!binding || !visible(principal, binding)) throw notFound(`role binding not found: ${name}`);
  return binding;
}

/**
 * A binding names a user who exists: one made for a name nobody holds (a typo) would grant
 * nothing now and everything to whoever is later created under it, while deleting a user
 * deletes their bindings so a new user of that name inherits nothing. The user's row is held
 * until the binding is written, so a deletion running at the same moment cannot fall between
 * the check and the write (on PostgreSQL the two run on different connections). Groups are
 * labels users carry, bound before anyone joins.
 */
async function assertSubjectExists(tx: Transaction, fields: { subjectKind: string; subjectName: string }): Promise<void> {
  if (fields.subjectKind !== 'user' || (await new UserRepository(tx).holdByName(fields.subjectName))) return;
  throw badRequest(`no user is named ${fields.subjectName}; create the user first (mcpctl create user ${fields.subjectName}), then bind it`);
}

function storedFields(input: RoleBindingUpdate) {
  return {
    subjectKind: input.subjectKind,
    subjectName: input.subjectName,
    role: input.role ?? null,
    permissions: input.permissions ? [...new Set(input.permissions)] : [],
    resourceNames: input.resourceNames ? [...new Set(input.resourceNames)] : null,
  };
}

/** The bindings that apply to a user are no secret to that user. */
function visible(principal: Principal, binding: RoleBindingRow): boolean {
  const applies =
    (binding.subjectKind === 'user' && binding.subjectName === principal.userName) ||
    (binding.subjectKind === 'group' && principal.groups.includes(binding.subjectName));
  return applies || principal.can('view', 'rbac', { name: binding.name });
}
