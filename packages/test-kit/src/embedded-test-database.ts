import { PGlite } from '@electric-sql/pglite';
import { openEmbeddedClient, type DatabaseHandle } from '@mcpctl/db';
import { discardTemplate, migratedTemplate } from './pglite-template.js';

/**
 * A fresh in-memory embedded database, shaped like `openDatabase()`'s, started from a migrated
 * template instead of an empty cluster: the same schema in a fraction of the time.
 */
export async function openEmbeddedTestDatabase(): Promise<DatabaseHandle> {
  const template = await migratedTemplate();
  try {
    return await openCopy(template.dump);
  } catch (error) {
    if (template.source !== 'disk') throw error;
    // A dump left on disk by another PGlite build or cut short: rebuild it once.
    await discardTemplate();
    return openCopy((await migratedTemplate()).dump);
  }
}

function openCopy(dump: Blob): Promise<DatabaseHandle> {
  return openEmbeddedClient(new PGlite({ loadDataDir: dump }), 'an embedded test database from the migrated template');
}
