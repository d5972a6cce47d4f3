import { openPostgresTestDatabase } from '@mcpctl/test-kit';
import type { DatabaseHandle } from '@mcpctl/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExclusively, runIfFree } from '../src/repositories/singleton-lock.js';

const POSTGRES_URL = process.env.MCPCTL_TEST_DATABASE_URL;

/* Singletons among replicas (SPEC §12 §8): two handles on one PostgreSQL database stand for two replicas. */
describe.skipIf(!POSTGRES_URL)('singleton locks on PostgreSQL (MCPCTL_TEST_DATABASE_URL)', () => {
  let database: DatabaseHandle;
  beforeEach(async () => {
    database = await openPostgresTestDatabase(POSTGRES_URL!);
  });
  afterEach(async () => {
    await database.close();
  });

  it('skips the work on one replica while another holds the lock, and waits for it where asked', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const first = runIfFree(database.db, 'lifecycleSweep', async () => {
      order.push('first started');
      await held;
      order.push('first done');
      return 'first';
    });
    while (order.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await runIfFree(database.db, 'lifecycleSweep', () => Promise.resolve('second'))).toBeUndefined();
    // Another singleton is not held by it.
    expect(await runIfFree(database.db, 'bootstrap', () => Promise.resolve('other'))).toBe('other');
    const waiting = runExclusively(database.db, 'lifecycleSweep', () => {
      order.push('waiter ran');
      return Promise.resolve('waiter');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual(['first started']);
    release();
    expect(await first).toBe('first');
    expect(await waiting).toBe('waiter');
    expect(order).toEqual(['first started', 'first done', 'waiter ran']);
    expect(await runIfFree(database.db, 'lifecycleSweep', () => Promise.resolve('free again'))).toBe('free again');
  });
});
