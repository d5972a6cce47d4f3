import type { UserRow } from '@mcpctl/db';
import type { UserView } from '@mcpctl/protocol';

export function toUserView(user: UserRow): UserView {
  return {
    id: user.id,
    name: user.name,
    groups: user.groups,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
