import type { Clock } from '@mcpctl/clock';
import { HttpError, tooManyRequests, unauthorized } from '../errors.js';
import { createPrincipal } from '../rbac/create-principal.js';
import type { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import type { TokenRepository } from '../repositories/token-repository.js';
import { FailedAuthLimiter, type FailedAuthLimits } from '../security/failed-auth-limiter.js';
import { digestsEqual, hashToken } from '../security/token.js';
import type { Principal } from '../rbac/principal.js';
import { ReadThroughCache } from '../read-through-cache.js';
import { userPermissions } from './user-permissions.js';

interface VerifiedToken {
  principal: Principal;
  tokenExpiresAt: number | null;
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
 * Verifies bearer tokens. Verified tokens are cached for a few seconds, by hash, so the request
 * path does not wait on the database; revocation takes effect when the entry lapses, or at once
 * on this replica through `forgetAll`.
 */
export class AuthService {
  readonly #verified: ReadThroughCache<VerifiedToken>;
  readonly #failures: FailedAuthLimiter;

  constructor(
    private readonly tokens: TokenRepository,
    private readonly roleBindings: RoleBindingRepository,
    private readonly clock: Clock,
    options: AuthServiceOptions,
  ) {
    this.#verified = new ReadThroughCache(clock, options.cacheMs, options.maxCachedTokens);
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
    this.#verified.clear();
  }

  /**
   * The caller of a header whose token was verified a moment ago, without a promise: what every
   * request but the first of each few seconds gets. Undefined for anything else (no token, one
   * not cached, an expired one), which {@link authenticate} answers.
   */
  knownPrincipal(authorization: string | undefined): Principal | undefined {
    const token = parseBearer(authorization);
    if (!token) return undefined;
    const now = this.clock.now().getTime();
    const kept = this.#verified.peek(hashToken(token), now);
    return kept && unexpired(kept.value, now);
  }

  /**
   * `fresh`: asked of the database even when cached or being looked up. The one caller checks
   * control connections again right after an access change, which `forgetAll` already made the
   * cache forget; the fresh read keeps that check right should a change ever reach it first.
   */
  async #verify(token: string, fresh = false): Promise<Principal> {
    const tokenHash = hashToken(token);
    const lookUp = () => this.#lookUp(tokenHash);
    const verified = await (fresh ? this.#verified.refresh(tokenHash, lookUp) : this.#verified.read(tokenHash, lookUp));
    const principal = unexpired(verified, this.clock.now().getTime());
    if (!principal) throw unauthorized('the token has expired');
    return principal;
  }

  async #lookUp(tokenHash: string): Promise<VerifiedToken> {
    const found = await this.tokens.findByHash(tokenHash);
    if (!found || !digestsEqual(found.token.tokenHash, tokenHash)) {
      this.#verified.delete(tokenHash);
      throw unauthorized('the token is not valid');
    }
    const tokenExpiresAt = found.token.expiresAt?.getTime() ?? null;
    if (tokenExpiresAt !== null && tokenExpiresAt <= this.clock.now().getTime()) throw unauthorized('the token has expired');
    const principal = createPrincipal(found.user, await userPermissions(this.roleBindings, found.user), found.token.id, tokenExpiresAt);
    return { principal, tokenExpiresAt };
  }
}

/** The principal of a verified token, while the token has not expired. */
function unexpired(verified: VerifiedToken, now: number): Principal | undefined {
  return verified.tokenExpiresAt !== null && verified.tokenExpiresAt <= now ? undefined : verified.principal;
}

/** The token of an `Authorization: Bearer TOKEN` header, if that is what it is. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
