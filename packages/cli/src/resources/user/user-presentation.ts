import type { UserView } from '@mcpctl/protocol';
import type { ResourcePresentation } from '../resource-presentation.js';

/** How users look in `get`, and as `kind: User` documents `apply` reads back. */
export const userPresentation: ResourcePresentation<UserView> = {
  kind: 'User',
  plural: 'users',
  columns: [
    { header: 'name', value: (user) => user.name },
    { header: 'role', value: (user) => user.role },
    { header: 'groups', value: (user) => user.groups.join(',') },
    { header: 'id', value: (user) => user.id },
    { header: 'created', value: (user) => user.createdAt, wideOnly: true },
  ],
  toYamlDocument: (user) => ({ value: { kind: 'User', ...user } }),
};
