import { forbidden } from '../errors.js';
import { assertMayJoinPool } from './assert-may-join-pool.js';
import type { Principal } from './principal.js';

/** Publishing is `create:llms` on virtual rows (the member role's `create:llms:virtual`), per name or pool. */
export function assertMayPublish(principal: Principal, rows: ReadonlyArray<{ name: string; poolName?: string | null | undefined }>): void {
  for (const row of rows) {
    if (!principal.can('create', 'llms', { name: row.name, kind: 'virtual', poolName: row.poolName ?? null })) {
      throw forbidden(`publishing LLM ${row.name} needs the create:llms (or create:llms:virtual) permission`);
    }
  }
}

/**
 * A session's publisher may still hold the rows it registered: it may publish each, and each
 * public one may stay in its pool. Grants withdrawn since the registration end the connection
 * as a new registration would be refused, with the same words.
 */
export function assertMayHold(principal: Principal, rows: ReadonlyArray<{ name: string; poolName: string | null; visibility: 'public' | 'private' }>): void {
  assertMayPublish(principal, rows);
  for (const row of rows) assertMayJoinPool(principal, { kind: 'virtual', visibility: row.visibility, poolName: row.poolName }, `LLM ${row.name}`);
}
