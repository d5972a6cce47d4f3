import { providerSessionViewSchema, type ProviderSessionView } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';

/** Publishers' sessions: every one for an admin, the caller's own for anyone else. */
export function listSessions(client: ApiClient): Promise<ProviderSessionView[]> {
  return client.get('/api/v1/provider-sessions', providerSessionViewSchema.array());
}
