import type { Database } from '@mcpctl/db';
import { NamespaceRepository } from '../repositories/namespace-repository.js';
import { assertOneNamespace, type NameClaims } from './namespace-rules.js';
import type { Principal } from './principal.js';

/** Runs a write that claims names the way SPEC §12 wants it: locked, checked, all or nothing. */
export class NamespaceGuard {
  constructor(private readonly db: Database) {}

  /** `write` runs in a transaction holding the namespace lock; the claims are checked after it, before commit. */
  async claim<T>(principal: Principal, claims: NameClaims, write: (tx: Database) => Promise<T>): Promise<T> {
    return this.db.transaction(async (transaction) => {
      const tx = transaction as unknown as Database;
      await new NamespaceRepository(tx).lock();
      const result = await write(tx);
      await assertOneNamespace(tx, principal, claims);
      return result;
    });
  }
}
