import type { ApiClient } from '../../api-client.js';
import { namesIn } from '../apply-references.js';
import { UNCHANGED, type ApplyHandler, type ApplyPlan } from '../apply-handler.js';
import { findUser, userPath } from './user-api.js';
import { userSpecChanges, userSpecFromDocument, type UserSpec } from './user-document.js';

/** `kind: User` documents of `mcpctl apply`. */
export const userApplyHandler: ApplyHandler = {
  kind: 'User',
  givenNames: (document) => ({ users: namesIn(document, 'name') }),
  prepare: (document) => {
    const spec = userSpecFromDocument(document);
    return { label: `user/${spec.create.name}`, plan: ({ client }) => planUser(client, spec) };
  },
};

/** Reads the user and decides: create it, change its groups or role where they differ, or leave it alone. */
export async function planUser(client: ApiClient, spec: UserSpec): Promise<ApplyPlan> {
  const current = await findUser(client, spec.create.name);
  if (current === undefined) {
    return {
      send: async (sender) => {
        await sender.request('POST', userPath(), { body: spec.create });
        return 'created';
      },
    };
  }
  if (!userSpecChanges(spec, current)) return UNCHANGED;
  return {
    send: async (sender) => {
      await sender.request('PUT', userPath(spec.create.name), { body: spec.update });
      return 'configured';
    },
  };
}
