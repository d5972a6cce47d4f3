import type { Clock } from '@mcpctl/clock';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { UserRepository } from '../repositories/user-repository.js';
import { userPermissions } from './user-permissions.js';

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
  readonly #loading = new Map<string, Promise<boolean>>();
  /** Bumped by `forgetAll`, so a lookup that raced a change is not cached. */
  #generation = 0;

  constructor(
    private readonly users: UserRepository,
    private readonly roleBindings: RoleBindingRepository,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** A row without an owner (its owner was deleted) counts as not an admin's. */
  isAdmin(userId: string | null): Promise<boolean> {
    if (userId === null) return Promise.resolve(false);
    const cached = this.#cache.get(userId);
    if (cached && cached.until > this.clock.now().getTime()) return Promise.resolve(cached.admin);
    // One lookup per user at a time: when an entry lapses, every request in flight for that owner's LLMs misses together.
    const pending = this.#loading.get(userId);
    if (pending) return pending;
    const generation = this.#generation;
    const loading: Promise<boolean> = this.#load(userId)
      .then((admin) => {
        if (generation === this.#generation) {
          if (this.#cache.size >= 10_000) this.#cache.clear();
          this.#cache.set(userId, { admin, until: this.clock.now().getTime() + this.ttlMs });
        }
        return admin;
      })
      .finally(() => {
        if (this.#loading.get(userId) === loading) this.#loading.delete(userId);
      });
    this.#loading.set(userId, loading);
    return loading;
  }

  async #load(userId: string): Promise<boolean> {
    const user = await this.users.findById(userId);
    if (!user) return false;
    return (await userPermissions(this.roleBindings, user)).admin;
  }

  forgetAll(): void {
    this.#generation += 1;
    this.#cache.clear();
    this.#loading.clear();
  }
}
