import type { Clock } from '@mcpctl/clock';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';
import { ReadThroughCache } from '../read-through-cache.js';
import { userPermissions } from './user-permissions.js';

/**
 * Whether a user (an LLM's owner, not the caller) holds the admin grant, by role or by a
 * binding. Cached like verified tokens, so the inference path does not wait on the database;
 * dropped at once when users or bindings change on this replica.
 */
export class AdminLookup {
  readonly #admins: ReadThroughCache<boolean>;

  constructor(
    private readonly users: UserRepository,
    private readonly roleBindings: RoleBindingRepository,
    clock: Clock,
    ttlMs: number,
  ) {
    this.#admins = new ReadThroughCache(clock, ttlMs);
  }

  /** A row without an owner (its owner was deleted) counts as not an admin's. */
  isAdmin(userId: string | null): Promise<boolean> {
    if (userId === null) return Promise.resolve(false);
    return this.#admins.read(userId, () => this.#load(userId));
  }

  async #load(userId: string): Promise<boolean> {
    const user = await this.users.findById(userId);
    if (!user) return false;
    return (await userPermissions(this.roleBindings, user)).admin;
  }

  forgetAll(): void {
    this.#admins.clear();
  }
}
