import { forbidden } from '../errors.js';
import type { Principal } from './principal.js';

/** What decides whether a row may sit in a pool: its visibility, kind and pool. */
export interface PoolMembership {
  kind: 'public' | 'virtual';
  visibility: 'public' | 'private';
  poolName: string | null | undefined;
}

/**
 * SPEC §12: a `public` row joins pool P only with a `create:llms` grant that names P (of the row's
 * kind or of none), or as admin: a public member receives a share of everybody's prompts to P.
 * A `private` row may join any pool, since only its owner is ever dispatched to it.
 */
export function assertMayJoinPool(principal: Principal, row: PoolMembership, what: string): void {
  if (row.visibility !== 'public' || !row.poolName || principal.admin) return;
  if (principal.permissions.namedIn('create', 'llms', row.poolName, row.kind)) return;
  throw forbidden(
    `${what} joins pool ${row.poolName} as a public member, which needs a create:llms grant naming ${row.poolName} (or keep it private)`,
  );
}
