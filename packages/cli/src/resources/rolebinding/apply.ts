import type { RoleBindingCreate } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import type { ApplyHandler, ApplyOutcome } from '../apply-handler.js';
import { findRoleBinding, roleBindingPath } from './role-binding-api.js';
import { roleBindingChanges, roleBindingFromDocument } from './role-binding-document.js';

/** `kind: RoleBinding` documents of `mcpctl apply`. */
export function roleBindingApplyHandler(warn: (text: string) => void): ApplyHandler {
  return {
    kind: 'RoleBinding',
    prepare: (document) => {
      const binding = roleBindingFromDocument(document, warn);
      return { label: `rolebinding/${binding.name}`, apply: (client) => applyRoleBinding(client, binding) };
    },
  };
}

/** Creates the binding, replaces it when it differs (a binding is small: the document is all of it), or leaves it. */
export async function applyRoleBinding(client: ApiClient, binding: RoleBindingCreate): Promise<ApplyOutcome> {
  const current = await findRoleBinding(client, binding.name);
  if (current === undefined) {
    await client.request('POST', roleBindingPath(), { body: binding });
    return 'created';
  }
  if (!roleBindingChanges(binding, current)) return 'unchanged';
  const { name, ...replacement } = binding;
  await client.request('PUT', roleBindingPath(name), { body: replacement });
  return 'configured';
}
