import { PGlite } from '@electric-sql/pglite';
import { discardTemplate, migratedTemplate } from './pglite-template.js';

/**
 * Fills `directory` (mcpd's `DATA_DIR/pgdata`) with the migrated template, so an mcpd started on
 * it skips initdb (seconds inside WebAssembly, tens of seconds on a loaded machine) and finds its
 * migrations applied: what it would find on its second start.
 */
export async function seedEmbeddedDataDir(directory: string): Promise<void> {
  const template = await migratedTemplate();
  try {
    await writeDataDir(directory, template.dump);
  } catch (error) {
    if (template.source !== 'disk') throw error;
    // A dump left on disk by another PGlite build or cut short: rebuild it once.
    await discardTemplate();
    await writeDataDir(directory, (await migratedTemplate()).dump);
  }
}

async function writeDataDir(directory: string, dump: Blob): Promise<void> {
  const client = new PGlite(directory, { loadDataDir: dump });
  try {
    await client.waitReady;
  } finally {
    await client.close();
  }
}
