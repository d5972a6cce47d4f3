import type { TokenView } from '@mcpctl/protocol';
import type { TokenWithUser } from '../repositories/token-repository.js';

/** A token as listed: its name, owner and expiry, never the token or its hash. */
export function toTokenView({ token, user }: TokenWithUser, now: Date): TokenView {
  return {
    id: token.id,
    name: token.name,
    user: user.name,
    userId: user.id,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    expired: token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime(),
    createdAt: token.createdAt.toISOString(),
  };
}
