import type { RoleName } from '@mcpctl/protocol';

/**
 * What each built-in role grants. Roles are data evaluated at authentication time, so a change
 * here reaches every user and binding holding the role on the next (uncached) request.
 *
 * `member` may edit and delete LLMs and agents, but the ownership rule limits that to rows it
 * owns (what it published or created); it publishes virtual LLMs (`create:llms:virtual`) but
 * registers no public ones. Everyone reads their own audit records; `view:audit` reads all.
 */
export const BUILT_IN_ROLES: Readonly<Record<RoleName, readonly string[]>> = {
  admin: ['*'],
  member: [
    'view:llms',
    'run:llms',
    'create:llms:virtual',
    'edit:llms',
    'delete:llms',
    'view:agents',
    'run:agents',
    'create:agents',
    'edit:agents',
    'delete:agents',
  ],
  viewer: ['view:llms', 'view:agents'],
};
