import type { StatusView } from './status.js';

/**
 * Whom a token belongs to and the role that says what it may do, as `mcpctl status` and the
 * dashboard's header name it: `alice (member)`, `carl (no role)`, `root (admin)`, `bea (member;
 * admin by a binding)`. An older mcpd sends no role, and then only an admin is marked.
 */
export function userLabel(user: Pick<StatusView['user'], 'name' | 'admin' | 'role'>): string {
  const labels = user.role === undefined ? (user.admin ? ['admin'] : []) : [user.role ?? 'no role'];
  // Only the admin role grants `*` by itself: any other admin is one by a role binding.
  if (user.admin && user.role !== undefined && user.role !== 'admin') labels.push('admin by a binding');
  return labels.length === 0 ? user.name : `${user.name} (${labels.join('; ')})`;
}
