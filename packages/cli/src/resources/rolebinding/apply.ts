import type { RoleBindingCreate } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';
import { UNCHANGED, type ApplyHandler, type ApplyPlan } from '../apply-handler.js';
import { findRoleBinding, roleBindingPath } from './role-binding-api.js';
import { roleBindingChanges, roleBindingFromDocument } from './role-binding-document.js';

/** `kind: RoleBinding` documents of `mcpctl apply`. */
export const roleBindingApplyHandler: ApplyHandler = {
  kind: 'RoleBinding',
  prepare: (document) => {
    const binding = roleBindingFromDocument(document);
    return { label: `rolebinding/${binding.name}`, plan: (client) => planRoleBinding(client, binding) };
  },
};

/** Reads the binding and decides: create it, replace it when it differs (a binding is small: the document is all of it), or leave it. */
export async function planRoleBinding(client: ApiClient, binding: RoleBindingCreate): Promise<ApplyPlan> {
  const current = await findRoleBinding(client, binding.name);
  if (current === undefined) {
    return {
      send: async (sender) => {
        await sender.request('POST', roleBindingPath(), { body: binding });
        return 'created';
      },
    };
  }
  if (!roleBindingChanges(binding, current)) return UNCHANGED;
  const { name, ...replacement } = binding;
  return {
    send: async (sender) => {
      await sender.request('PUT', roleBindingPath(name), { body: replacement });
      return 'configured';
    },
  };
}
