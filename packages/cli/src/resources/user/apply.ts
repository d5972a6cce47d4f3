import type { ApiClient } from '../../api-client.js';
import type { ApplyHandler, ApplyOutcome } from '../apply-handler.js';
import { findUser, userPath } from './user-api.js';
import { userSpecChanges, userSpecFromDocument, type UserSpec } from './user-document.js';

/** `kind: User` documents of `mcpctl apply`. */
export function userApplyHandler(warn: (text: string) => void): ApplyHandler {
  return {
    kind: 'User',
    prepare: (document) => {
      const spec = userSpecFromDocument(document, warn);
      return { label: `user/${spec.create.name}`, apply: (client) => applyUser(client, spec) };
    },
  };
}

/** Creates the user, changes its groups or role where they differ, or leaves it alone. */
export async function applyUser(client: ApiClient, spec: UserSpec): Promise<ApplyOutcome> {
  const current = await findUser(client, spec.create.name);
  if (current === undefined) {
    await client.request('POST', userPath(), { body: spec.create });
    return 'created';
  }
  if (!userSpecChanges(spec, current)) return 'unchanged';
  await client.request('PUT', userPath(spec.create.name), { body: spec.update });
  return 'configured';
}
