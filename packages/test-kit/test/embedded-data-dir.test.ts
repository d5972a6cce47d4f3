import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, users } from '@mcpctl/db';
import { afterEach, describe, expect, it } from 'vitest';
import { seedEmbeddedDataDir } from '../src/embedded-data-dir.js';
import { makeTempDir, type TempDir } from '../src/temp-home.js';

let temp: TempDir | undefined;

afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

describe('seedEmbeddedDataDir', () => {
  // Building the template (when no test file has yet) and two PGlite starts: slow on a loaded machine.
  it('leaves an on-disk data directory that opens migrated, as on a second start', { timeout: 240_000 }, async () => {
    temp = await makeTempDir('seed-test');
    const directory = join(temp.path, 'pgdata');
    await seedEmbeddedDataDir(directory);
    expect(await readdir(directory)).toContain('PG_VERSION');
    const database = await openDatabase({ dataDir: directory });
    try {
      expect(await database.db.select().from(users)).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
