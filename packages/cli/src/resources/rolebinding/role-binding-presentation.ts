import type { RoleBindingView } from '@mcpctl/protocol';
import type { ResourcePresentation } from '../resource-presentation.js';

/** How role bindings look in `get`, and as `kind: RoleBinding` documents `apply` reads back. */
export const roleBindingPresentation: ResourcePresentation<RoleBindingView> = {
  kind: 'RoleBinding',
  plural: 'role bindings',
  columns: [
    { header: 'name', value: (binding) => binding.name },
    { header: 'subject', value: (binding) => `${binding.subjectKind}:${binding.subjectName}` },
    { header: 'role', value: (binding) => binding.role },
    { header: 'permissions', value: (binding) => binding.permissions.join(',') },
    { header: 'resources', value: (binding) => binding.resourceNames?.join(',') },
    { header: 'id', value: (binding) => binding.id },
    { header: 'created', value: (binding) => binding.createdAt, wideOnly: true },
  ],
  toYamlDocument: (binding) => ({ value: { kind: 'RoleBinding', ...binding } }),
};
