import { withTransaction, type Database, type Transaction } from '@mcpctl/db';
import { NamespaceRepository } from '../repositories/namespace-repository.js';
import { assertOneNamespace, type NameClaims } from './namespace-rules.js';
import type { Principal } from '../rbac/principal.js';

/** Runs a write that claims names the way SPEC §12 wants it: locked, checked, all or nothing. */
export class NamespaceGuard {
  constructor(private readonly db: Database) {}

  /** `write` runs in a transaction holding the namespace lock; the claims are checked after it, before commit. */
  async claim<T>(principal: Principal, claims: NameClaims, write: (tx: Transaction) => Promise<T>): Promise<T> {
    return withTransaction(this.db, async (tx) => {
      await new NamespaceRepository(tx).lock();
      const result = await write(tx);
      await assertOneNamespace(tx, principal, claims);
      return result;
    });
  }
}
