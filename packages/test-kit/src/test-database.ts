import type { DatabaseHandle } from '@mcpctl/db';
import { openEmbeddedTestDatabase } from './embedded-test-database.js';
import { openPostgresTestDatabase } from './postgres-test-database.js';

/** Set to a PostgreSQL server URL to run storage tests against PostgreSQL as well. */
export const TEST_DATABASE_URL_VARIABLE = 'MCPCTL_TEST_DATABASE_URL';

export type TestDatabaseName = 'embedded' | 'postgres';

export interface TestDatabaseVariant {
  name: TestDatabaseName;
  /** A fresh, migrated, empty database; closing the handle disposes of it. */
  open: () => Promise<DatabaseHandle>;
}

/**
 * The databases storage tests run on: embedded PGlite always, PostgreSQL too when
 * MCPCTL_TEST_DATABASE_URL is set. Meant for `describe.each(testDatabaseVariants())`.
 */
export function testDatabaseVariants(env: NodeJS.ProcessEnv = process.env): TestDatabaseVariant[] {
  const variants: TestDatabaseVariant[] = [{ name: 'embedded', open: openEmbeddedTestDatabase }];
  const serverUrl = env[TEST_DATABASE_URL_VARIABLE];
  if (serverUrl) variants.push({ name: 'postgres', open: () => openPostgresTestDatabase(serverUrl) });
  return variants;
}
