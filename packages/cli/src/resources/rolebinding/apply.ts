import type { RoleBindingCreate } from '@mcpctl/protocol';
import { UNCHANGED, type ApplyHandler, type ApplyPlan, type PlanContext } from '../apply-handler.js';
import { findRoleBinding, roleBindingPath } from './role-binding-api.js';
import { roleBindingChanges, roleBindingFromDocument } from './role-binding-document.js';

/** `kind: RoleBinding` documents of `mcpctl apply`. */
export const roleBindingApplyHandler: ApplyHandler = {
  kind: 'RoleBinding',
  prepare: (document) => {
    const binding = roleBindingFromDocument(document);
    return { label: `rolebinding/${binding.name}`, plan: (context) => planRoleBinding(context, binding) };
  },
};

/**
 * Reads the binding and decides: create it, replace it when it differs (a binding is small: the
 * document is all of it), or leave it. A user it is sent for must exist, as mcpd requires; a
 * group is a label users carry, bound before anyone joins.
 */
export async function planRoleBinding({ client, references }: PlanContext, binding: RoleBindingCreate): Promise<ApplyPlan> {
  const current = await findRoleBinding(client, binding.name);
  if (current !== undefined && !roleBindingChanges(binding, current)) return UNCHANGED;
  if (binding.subjectKind === 'user') await references.checkUser(binding.subjectName);
  if (current === undefined) {
    return {
      send: async (sender) => {
        await sender.request('POST', roleBindingPath(), { body: binding });
        return 'created';
      },
    };
  }
  const { name, ...replacement } = binding;
  return {
    send: async (sender) => {
      await sender.request('PUT', roleBindingPath(name), { body: replacement });
      return 'configured';
    },
  };
}
