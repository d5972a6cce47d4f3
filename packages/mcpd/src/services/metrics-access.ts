import { forbidden } from '../errors.js';
import { digestsEqual, hashToken } from '../security/token.js';
import { parseBearer, type AuthService } from './auth-service.js';

/**
 * `/metrics` names every LLM, pool and agent, private ones included, so it is read by admins
 * or by a scraper holding the dedicated token (`MCPD_METRICS_TOKEN`), which opens nothing else.
 */
export class MetricsAccess {
  readonly #scrapeTokenHash: string | undefined;

  constructor(
    private readonly auth: AuthService,
    scrapeToken: string | undefined,
  ) {
    this.#scrapeTokenHash = scrapeToken === undefined ? undefined : hashToken(scrapeToken);
  }

  /** Resolves when the caller may scrape; 401 without a valid token, 403 for a non-admin's. */
  async authorize(authorization: string | undefined, source: string): Promise<void> {
    const bearer = parseBearer(authorization);
    // Compared as digests of equal length, in constant time: the token's length leaks nothing either.
    if (this.#scrapeTokenHash !== undefined && bearer !== undefined && digestsEqual(hashToken(bearer), this.#scrapeTokenHash)) return;
    const principal = await this.auth.authenticate(authorization, source);
    if (!principal.admin) throw forbidden('reading /metrics takes an admin token or the scrape token (MCPD_METRICS_TOKEN)');
  }
}
