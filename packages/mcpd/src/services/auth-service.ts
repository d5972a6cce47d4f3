import type { Clock } from '@mcpctl/clock';
import { HttpError, tooManyRequests, unauthorized } from '../errors.js';
import { createPrincipal } from '../rbac/create-principal.js';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { TokenRepository } from '../repositories/token-repository.js';
import { FailedAuthLimiter, type FailedAuthLimits } from '../security/failed-auth-limiter.js';
import { digestsEqual, hashToken } from '../security/token.js';
import type { Principal } from '../rbac/principal.js';
import { userPermissions } from './user-permissions.js';

interface CachedPrincipal {
  principal: Principal;
  tokenExpiresAt: number | null;
  cachedUntil: number;
}

export interface AuthServiceOptions {
  /** How long a verified token is trusted without asking the database again. */
  cacheMs: number;
  maxCachedTokens?: number;
  /** Failed authentications allowed per source address before it is refused with 429. */
  failedAuth?: FailedAuthLimits;
}

const DEFAULT_FAILED_AUTH: FailedAuthLimits = { maxFailures: 20, windowMs: 60_000 };

/**
 * Verifies bearer tokens. Verified tokens are cached for a few seconds so the request
 * path does not wait on the database; revocation takes effect when the entry lapses, or at
 * once on this replica through `forgetAll`. Requests that find a token's entry missing or
 * lapsed at the same moment share one lookup: when the entry of a token busy on 64 connections
 * lapsed, each of them asked the database on its own, every few seconds.
 */
export class AuthService {
  readonly #cache = new Map<string, CachedPrincipal>();
  /** The lookup under way for a token, by hash; the requests that miss meanwhile wait on it. */
  readonly #lookups = new Map<string, Promise<Principal>>();
  /** Bumped by `forgetAll`, so a lookup that started before it neither caches nor is joined. */
  #generation = 0;
  readonly #maxCachedTokens: number;
  readonly #failures: FailedAuthLimiter;

  constructor(
    private readonly tokens: TokenRepository,
    private readonly roleBindings: RoleBindingRepository,
    private readonly clock: Clock,
    private readonly options: AuthServiceOptions,
  ) {
    this.#maxCachedTokens = options.maxCachedTokens ?? 10_000;
    this.#failures = new FailedAuthLimiter(clock, options.failedAuth ?? DEFAULT_FAILED_AUTH);
  }

  /**
   * `source` is the client address. Its failures are counted; past the limit they are answered
   * 429 with Retry-After instead of 401. A valid token is always let through.
   */
  async authenticate(authorization: string | undefined, source = 'unknown'): Promise<Principal> {
    const token = parseBearer(authorization);
    if (!token) throw unauthorized('send a token as "Authorization: Bearer TOKEN"');
    try {
      return await this.#verify(token);
    } catch (error) {
      if (!(error instanceof HttpError && error.statusCode === 401)) throw error;
      const blockedMs = this.#failures.blockedFor(source);
      this.#failures.recordFailure(source);
      if (blockedMs > 0) {
        throw tooManyRequests('too many failed authentications from this address; wait before trying again', blockedMs / 1000);
      }
      throw error;
    }
  }

  /**
   * The caller of a connection that stays open (an event stream), checked again with the header
   * it opened with: a token revoked or a binding changed since counts. Not a login attempt, so no
   * failure is counted against an address.
   */
  async reauthenticate(authorization: string | undefined, options: { fresh?: boolean } = {}): Promise<Principal> {
    const token = parseBearer(authorization);
    if (!token) throw unauthorized('send a token as "Authorization: Bearer TOKEN"');
    return this.#verify(token, options.fresh === true);
  }

  /** Drops every cached verification, e.g. after a token, user or binding changed. */
  forgetAll(): void {
    this.#generation += 1;
    this.#cache.clear();
    this.#lookups.clear();
  }

  /**
   * The caller of a header whose token was verified a moment ago, without a promise: what every
   * request but the first of each few seconds gets. Undefined for anything else (no token, one
   * not cached, an expired one), which {@link authenticate} answers.
   */
  knownPrincipal(authorization: string | undefined): Principal | undefined {
    const token = parseBearer(authorization);
    if (!token) return undefined;
    const cached = this.#cached(hashToken(token), this.clock.now().getTime());
    return cached === 'expired' ? undefined : cached;
  }

  /** The cache's word on a token: its principal, `expired`, or undefined when it must be asked of the database. */
  #cached(tokenHash: string, now: number): Principal | 'expired' | undefined {
    const cached = this.#cache.get(tokenHash);
    if (!cached || cached.cachedUntil <= now) return undefined;
    return cached.tokenExpiresAt !== null && cached.tokenExpiresAt <= now ? 'expired' : cached.principal;
  }

  /** `fresh`: asked of the database even when cached or being looked up (a lookup under way when the cache was dropped may hold the old grants). */
  #verify(token: string, fresh = false): Promise<Principal> {
    const tokenHash = hashToken(token);
    const now = this.clock.now().getTime();
    if (!fresh) {
      const cached = this.#cached(tokenHash, now);
      if (cached === 'expired') return Promise.reject(unauthorized('the token has expired'));
      if (cached) return Promise.resolve(cached);
      const pending = this.#lookups.get(tokenHash);
      if (pending) return pending;
    }
    const lookup = this.#lookUp(tokenHash, now);
    if (fresh) return lookup;
    this.#lookups.set(tokenHash, lookup);
    const settled = () => {
      if (this.#lookups.get(tokenHash) === lookup) this.#lookups.delete(tokenHash);
    };
    lookup.then(settled, settled);
    return lookup;
  }

  async #lookUp(tokenHash: string, now: number): Promise<Principal> {
    const generation = this.#generation;
    const found = await this.tokens.findByHash(tokenHash);
    if (!found || !digestsEqual(found.token.tokenHash, tokenHash)) {
      this.#cache.delete(tokenHash);
      throw unauthorized('the token is not valid');
    }
    const tokenExpiresAt = found.token.expiresAt?.getTime() ?? null;
    if (tokenExpiresAt !== null && tokenExpiresAt <= now) throw unauthorized('the token has expired');
    const principal = createPrincipal(found.user, await userPermissions(this.roleBindings, found.user), found.token.id, tokenExpiresAt);
    // Grants read before an access change are answered to the requests that asked, as they
    // would have been a moment earlier, but not kept for the ones after it.
    if (generation !== this.#generation) return principal;
    if (this.#cache.size >= this.#maxCachedTokens) this.#cache.clear();
    this.#cache.set(tokenHash, { principal, tokenExpiresAt, cachedUntil: now + this.options.cacheMs });
    return principal;
  }
}

/** The token of an `Authorization: Bearer TOKEN` header, if that is what it is. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
