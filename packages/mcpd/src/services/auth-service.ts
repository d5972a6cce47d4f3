import type { Clock } from '../clock.js';
import { unauthorized } from '../errors.js';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { TokenRepository } from '../repositories/token-repository.js';
import { digestsEqual, hashToken } from '../security/token.js';
import type { Principal } from './principal.js';

interface CachedPrincipal {
  principal: Principal;
  tokenExpiresAt: number | null;
  cachedUntil: number;
}

export interface AuthServiceOptions {
  /** How long a verified token is trusted without asking the database again. */
  cacheMs: number;
  maxCachedTokens?: number;
}

/**
 * Verifies bearer tokens. Verified tokens are cached for a few seconds so the request
 * path does not wait on the database; revocation takes effect when the entry lapses, or at
 * once on this replica through `forget`.
 */
export class AuthService {
  readonly #cache = new Map<string, CachedPrincipal>();
  readonly #maxCachedTokens: number;

  constructor(
    private readonly tokens: TokenRepository,
    private readonly roleBindings: RoleBindingRepository,
    private readonly clock: Clock,
    private readonly options: AuthServiceOptions,
  ) {
    this.#maxCachedTokens = options.maxCachedTokens ?? 10_000;
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = parseBearer(authorization);
    if (!token) throw unauthorized('send a token as "Authorization: Bearer TOKEN"');
    const tokenHash = hashToken(token);
    const now = this.clock.now().getTime();
    const cached = this.#cache.get(tokenHash);
    if (cached && cached.cachedUntil > now) {
      if (cached.tokenExpiresAt !== null && cached.tokenExpiresAt <= now) throw unauthorized('the token has expired');
      return cached.principal;
    }
    const found = await this.tokens.findByHash(tokenHash);
    if (!found || !digestsEqual(found.token.tokenHash, tokenHash)) {
      this.#cache.delete(tokenHash);
      throw unauthorized('the token is not valid');
    }
    const tokenExpiresAt = found.token.expiresAt?.getTime() ?? null;
    if (tokenExpiresAt !== null && tokenExpiresAt <= now) throw unauthorized('the token has expired');
    const bindings = await this.roleBindings.listForSubject(found.user.name, found.user.groups);
    const principal: Principal = {
      userId: found.user.id,
      userName: found.user.name,
      groups: found.user.groups,
      admin: bindings.some((binding) => binding.permissions.includes('*') && !binding.resourceNames?.length),
    };
    if (this.#cache.size >= this.#maxCachedTokens) this.#cache.clear();
    this.#cache.set(tokenHash, { principal, tokenExpiresAt, cachedUntil: now + this.options.cacheMs });
    return principal;
  }

  /** Drops every cached verification, e.g. after a token or binding changed. */
  forgetAll(): void {
    this.#cache.clear();
  }
}

function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
