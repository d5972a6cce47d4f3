import type { Clock } from '../clock.js';
import { grantsOf } from '../rbac/grant.js';
import { PermissionSet } from '../rbac/permission-set.js';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';

interface Entry {
  admin: boolean;
  until: number;
}

/**
 * Whether a user (an LLM's owner, not the caller) holds the admin grant, by role or by a
 * binding. Cached like verified tokens, so the inference path does not wait on the database;
 * dropped at once when users or bindings change on this replica.
 */
export class AdminLookup {
  readonly #cache = new Map<string, Entry>();

  constructor(
    private readonly users: UserRepository,
    private readonly roleBindings: RoleBindingRepository,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** A row without an owner (its owner was deleted) counts as not an admin's. */
  async isAdmin(userId: string | null): Promise<boolean> {
    if (userId === null) return false;
    const now = this.clock.now().getTime();
    const cached = this.#cache.get(userId);
    if (cached && cached.until > now) return cached.admin;
    const user = await this.users.findById(userId);
    let admin = false;
    if (user) {
      const bindings = await this.roleBindings.listForSubject(user.name, user.groups);
      const grants = [...grantsOf({ role: user.role, permissions: [], resourceNames: null }), ...bindings.flatMap((binding) => grantsOf(binding))];
      admin = new PermissionSet(grants).admin;
    }
    if (this.#cache.size >= 10_000) this.#cache.clear();
    this.#cache.set(userId, { admin, until: now + this.ttlMs });
    return admin;
  }

  forgetAll(): void {
    this.#cache.clear();
  }
}
