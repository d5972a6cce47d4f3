import type { PermissionResource, PermissionVerb } from '@mcpctl/protocol';
import type { PermissionSet, PermissionTarget } from './permission-set.js';

/** The authenticated caller of a request. */
export interface Principal {
  /** The token the request came with: control streams remember it, so revoking it closes them. */
  tokenId: string;
  /** When that token expires (epoch ms); null when it does not. A connection opened with it ends then. */
  tokenExpiresAt: number | null;
  userId: string;
  userName: string;
  groups: string[];
  /** Holds the unlimited `*` grant. */
  admin: boolean;
  /** Every grant of the user's role and of the bindings naming it or its groups. */
  permissions: PermissionSet;
  /**
   * RBAC only: whether a grant allows `verb` on `resource` (the named one, of that kind, or
   * in that pool). Visibility is a separate, second check: see `canSee`.
   */
  can(verb: PermissionVerb, resource: PermissionResource, target?: PermissionTarget): boolean;
}

/** A row that has an owner and a visibility: LLMs and agents. */
export interface OwnedRow {
  name: string;
  kind?: string;
  poolName?: string | null;
  visibility: string;
  ownerId: string | null;
}

/**
 * Admins see every row and owners their own. Anyone else sees a row when a grant lets them
 * view it (name-limited grants included) and, second, when it is public: private rows stay
 * invisible whatever a grant names.
 */
export function canSee(principal: Principal, row: OwnedRow, resource: 'llms' | 'agents' = 'llms'): boolean {
  if (principal.admin || owns(principal, row)) return true;
  return row.visibility === 'public' && principal.can('view', resource, row);
}

/** Editing or deleting a row takes the permission and ownership, or admin. */
export function canChange(principal: Principal, row: OwnedRow, verb: 'edit' | 'delete' = 'edit', resource: 'llms' | 'agents' = 'llms'): boolean {
  return principal.admin || (owns(principal, row) && principal.can(verb, resource, row));
}

function owns(principal: Principal, row: { ownerId: string | null }): boolean {
  return row.ownerId !== null && row.ownerId === principal.userId;
}
