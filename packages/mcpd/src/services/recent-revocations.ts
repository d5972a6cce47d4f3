import type { Principal } from '../rbac/principal.js';

/** Most revoked tokens and deleted users remembered of each; a token cache forgets a revoked token within seconds anyway. */
const MAX_REMEMBERED = 1_000;

/**
 * Tokens revoked and users deleted lately, on this replica or told by another: a request
 * authenticated just before the revocation that goes on after it (a control stream attaching, a
 * chat turn that waited behind its thread's other turn) is refused as if it came after. Ids are
 * never reused, so remembering is safe.
 */
export class RecentRevocations {
  readonly #tokens = new Set<string>();
  readonly #users = new Set<string>();

  record(change: { tokenId?: string | undefined; userIds?: readonly string[] | undefined }): void {
    if (change.tokenId !== undefined) remember(this.#tokens, change.tokenId);
    for (const userId of change.userIds ?? []) remember(this.#users, userId);
  }

  /** Why a request made as `principal` may go on no longer, or undefined when it may. */
  refusal(principal: Principal): string | undefined {
    if (this.#tokens.has(principal.tokenId)) return 'the token this request came with was revoked while it was answered';
    if (this.#users.has(principal.userId)) return `user ${principal.userName} was deleted while this request was answered`;
    return undefined;
  }
}

function remember(recent: Set<string>, id: string): void {
  recent.add(id);
  if (recent.size > MAX_REMEMBERED) recent.delete(recent.values().next().value as string);
}
