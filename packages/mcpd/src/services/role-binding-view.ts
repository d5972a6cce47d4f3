import type { RoleBindingRow } from '@mcpctl/db';
import type { RoleBindingView } from '@mcpctl/protocol';

export function toRoleBindingView(binding: RoleBindingRow): RoleBindingView {
  return {
    id: binding.id,
    name: binding.name,
    subjectKind: binding.subjectKind,
    subjectName: binding.subjectName,
    role: binding.role,
    permissions: binding.permissions,
    resourceNames: binding.resourceNames,
    createdAt: binding.createdAt.toISOString(),
  };
}
