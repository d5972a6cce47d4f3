import { randomBytes } from 'node:crypto';
import type { Database, UserRow } from '@mcpctl/db';
import { tokenLifetimeMs, type TokenCreate, type TokenCreated, type TokenView } from '@mcpctl/protocol';
import type { Clock } from '@mcpctl/clock';
import { conflict, forbidden, notFound, type HttpError } from '../errors.js';
import { TokenRepository, type TokenWithUser } from '../repositories/token-repository.js';
import { isUniqueViolation } from '../repositories/unique-violation.js';
import { UserRepository } from '../repositories/user-repository.js';
import { generateId, generateToken, hashToken } from '../security/token.js';
import { assertMayManage } from '../rbac/assert-may-manage.js';
import type { Principal } from '../rbac/principal.js';
import { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import { changeAccess } from './change-access.js';
import { userPermissions } from './user-permissions.js';
import { toTokenView } from './token-view.js';
import { DEFAULT_PER_USER_CAPS, assertWithinCap } from '../security/per-user-caps.js';
import { EXPIRED_TOKEN_RETENTION_DAYS } from './lifecycle-gc.js';

/**
 * Bearer tokens. Everyone manages their own; `view:users` lists another user's tokens and
 * `edit:users` revokes them (those of a user whose grants the caller holds too, so an admin is
 * never locked out by someone below); only an admin mints a token for someone else, because a
 * token is that user's whole identity.
 */
export class TokenService {
  private readonly tokens: TokenRepository;
  private readonly users: UserRepository;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    /** Called after a revocation: cached verifications and the streams opened with the token must not outlive it. */
    private readonly revoked: (tokenId: string) => Promise<void>,
    private readonly maxTokens = DEFAULT_PER_USER_CAPS.tokens,
  ) {
    this.tokens = new TokenRepository(db);
    this.users = new UserRepository(db);
  }

  async list(principal: Principal): Promise<TokenView[]> {
    const now = this.clock.now();
    const tokens = await this.tokens.list();
    return tokens.filter(({ user }) => user.id === principal.userId || principal.can('view', 'users', { name: user.name })).map((token) => toTokenView(token, now));
  }

  async create(principal: Principal, input: TokenCreate): Promise<TokenCreated> {
    // Before the name is looked up: the same answer for a user who exists and one who does not.
    if (input.user !== undefined && input.user !== principal.userName && !principal.admin) {
      throw forbidden(`only an admin may create a token for another user (${input.user})`);
    }
    const user = await this.#owner(principal, input.user);
    // Counted before the insert, as the other caps on single creations are: two mints racing at
    // the cap may both pass it, which a bound against piling up can afford.
    assertWithinCap(
      (await this.tokens.countOwnedBy(user.id)) + 1,
      this.maxTokens,
      'tokens',
      `delete the ones no longer used first ('mcpctl get tokens' lists them; an expired token goes by itself ${EXPIRED_TOKEN_RETENTION_DAYS} days after it expired)`,
    );
    const now = this.clock.now();
    const name = input.name ?? `token-${randomBytes(4).toString('hex')}`;
    const expiresAt = input.expiresIn === undefined ? null : new Date(now.getTime() + tokenLifetimeMs(input.expiresIn));
    const token = generateToken();
    try {
      const row = await this.tokens.insert({ id: generateId('tok_'), userId: user.id, name, tokenHash: hashToken(token), expiresAt, createdAt: now });
      return { id: row.id, name, user: user.name, token, expiresAt: expiresAt?.toISOString() ?? null };
    } catch (error) {
      if (isUniqueViolation(error)) throw await this.#nameTaken(principal, user, name, now);
      throw error;
    }
  }

  /** The 409 for a name in use says how to free it, and whether the token holding it still works. */
  async #nameTaken(principal: Principal, user: UserRow, name: string, now: Date): Promise<HttpError> {
    const taken = `user ${user.name} already has a token named ${name}`;
    const deleteCommand = `'mcpctl delete token ${name}${user.id === principal.userId ? '' : ` --user ${user.name}`}'`;
    // Revoking deletes a token, so the one holding the name is either live or expired.
    const found = await this.tokens.findByUserAndName(user.id, name);
    const holder = found === undefined ? undefined : toTokenView(found, now);
    if (holder?.expired) {
      return conflict(`${taken}, expired since ${holder.expiresAt ?? ''}: delete it first with ${deleteCommand}, or choose another name`);
    }
    return conflict(`${taken}: choose another name, or revoke that one first with ${deleteCommand}`);
  }

  /**
   * `idOrName` is a token id, or the name of a token of `userName` (default: the caller). A token
   * is revoked under the access lock (see `changeAccess`), so the last working token of the admins
   * stays; another user's is revoked as their role would be changed, checked against the caller's
   * and the owner's grants as they are then.
   */
  async delete(principal: Principal, idOrName: string, userName: string | undefined): Promise<void> {
    const found = await this.#find(principal, idOrName, userName);
    const own = found.user.id === principal.userId;
    const what = own ? `revoking your token ${found.token.name}` : `revoking a token of ${found.user.name}`;
    await changeAccess(this.db, this.clock, principal, what, async (tx, caller) => {
      if (!own) {
        const owner = await new UserRepository(tx).findById(found.user.id);
        if (!owner) throw notFound(`token not found: ${idOrName}`);
        if (!caller.can('edit', 'users', { name: owner.name })) throw forbidden(`${what} needs the edit:users permission`);
        assertMayManage(caller, owner, await userPermissions(new RoleBindingRepository(tx), owner), what);
      }
      await new TokenRepository(tx).delete(found.token.id);
    });
    await this.revoked(found.token.id);
  }

  async #find(principal: Principal, idOrName: string, userName: string | undefined): Promise<TokenWithUser> {
    const hidden = notFound(`token not found: ${idOrName}`);
    const byId = userName === undefined ? await this.tokens.findById(idOrName) : undefined;
    const found = byId ?? (await this.tokens.findByUserAndName((await this.#owner(principal, userName, hidden)).id, idOrName));
    if (!found || !(found.user.id === principal.userId || principal.can('view', 'users', { name: found.user.name }))) throw hidden;
    return found;
  }

  /** The user a token belongs to: the caller, or a user the caller can see. */
  async #owner(principal: Principal, userName: string | undefined, hidden = notFound(`user not found: ${userName ?? principal.userName}`)): Promise<UserRow> {
    const name = userName ?? principal.userName;
    const user = await this.users.findByName(name);
    if (!user || !(user.id === principal.userId || principal.can('view', 'users', { name }))) throw hidden;
    return user;
  }
}
