import { badRequest } from '../errors.js';
import type { UpstreamAddressGuard } from '../security/upstream-address-guard.js';
import type { AdminLookup } from './admin-lookup.js';
import type { Principal } from '../rbac/principal.js';

/**
 * SPEC §9: an LLM owned by a non-admin may not point at loopback, link-local or
 * instance-metadata addresses, so mcpd cannot be used to reach a co-located mcplocal or the
 * cloud's credentials. The rule follows the row's owner, because that is whom the request-time
 * check sees: an admin editing a member's LLM is held to it too.
 */
export class UpstreamUrlPolicy {
  constructor(
    private readonly guard: UpstreamAddressGuard,
    private readonly admins: AdminLookup,
  ) {}

  /** Refuses (400) `url` for a row owned by `ownerId` when that owner is not an admin and the URL is off limits. */
  async assertAllowed(principal: Principal, owner: { id: string | null; name: string | null }, url: string): Promise<void> {
    const ownerIsCaller = owner.id === principal.userId;
    const ownerIsAdmin = ownerIsCaller ? principal.admin : await this.admins.isAdmin(owner.id);
    if (ownerIsAdmin) return;
    const refused = await this.guard.check(url);
    if (!refused) return;
    if (ownerIsCaller) throw badRequest(refused.message);
    throw badRequest(`the LLM belongs to ${owner.name ?? 'a deleted user'}, who is not an admin: ${refused.message}`);
  }
}
