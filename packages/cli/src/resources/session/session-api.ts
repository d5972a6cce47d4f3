import { providerSessionViewSchema, type ProviderSessionView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';

/** Publishers' sessions: every one for an admin, the caller's own for anyone else. */
export function listSessions(client: ApiClient): Promise<ProviderSessionView[]> {
  return client.get('/api/v1/provider-sessions', providerSessionViewSchema.array());
}

/** The session of `ref` among `sessions`; a 404 naming it when there is none. */
export function sessionOf(sessions: readonly ProviderSessionView[], ref: string): ProviderSessionView {
  const session = sessions.find((each) => each.ref === ref);
  if (!session) throw new ApiError(404, `session not found: ${ref}`, { hint: "run 'mcpctl get sessions' to list them" });
  return session;
}
