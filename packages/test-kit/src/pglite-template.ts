import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS_FOLDER, schema } from '@mcpctl/db';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

/*
 * A fresh embedded database costs 1.5–2.5 s (initdb inside WebAssembly); loading the data
 * directory of an already migrated one costs about 0.35 s. The dump is kept in memory for the
 * process and on disk for the next test files, keyed by the PGlite version and the migrations.
 */

const CACHE_FOLDER = join(tmpdir(), 'mcpctl-test-kit');
const CACHE_PREFIX = 'pglite-template-';

let template: Promise<PgliteTemplate> | undefined;

export interface PgliteTemplate {
  dump: Blob;
  /** Where the dump came from; a broken disk copy is discarded and rebuilt. */
  source: 'disk' | 'built';
}

export function migratedTemplate(): Promise<PgliteTemplate> {
  template ??= loadTemplate().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template;
}

/** Forgets a template that failed to load, and its disk copy, so the next call builds a new one. */
export async function discardTemplate(): Promise<void> {
  template = undefined;
  await rm(await cacheFile(), { force: true });
}

async function loadTemplate(): Promise<PgliteTemplate> {
  const file = await cacheFile();
  try {
    return { dump: new Blob([await readFile(file)]), source: 'disk' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}`, { cause: error });
  }
  const dump = await buildTemplate();
  await storeAtomically(file, dump);
  return { dump, source: 'built' };
}

async function buildTemplate(): Promise<Blob> {
  const client = new PGlite();
  try {
    await client.waitReady;
    await migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    // Uncompressed: 40 MB instead of 5, but it loads in half the time.
    return await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
}

/** Written under a temporary name and renamed, so a parallel test file never reads half a dump. */
async function storeAtomically(file: string, dump: Blob): Promise<void> {
  await mkdir(CACHE_FOLDER, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
  await rename(partial, file);
  // Dumps of older migrations are dead weight; another process may be replacing them, so best effort.
  for (const name of await readdir(CACHE_FOLDER)) {
    const path = join(CACHE_FOLDER, name);
    if (name.startsWith(CACHE_PREFIX) && path !== file && !name.endsWith('.partial')) await rm(path, { force: true });
  }
}

let cacheFilePromise: Promise<string> | undefined;

function cacheFile(): Promise<string> {
  cacheFilePromise ??= (async () => {
    const hash = createHash('sha256').update(`pglite ${pgliteVersion()}\n`);
    const names = (await readdir(MIGRATIONS_FOLDER, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
    for (const name of names) hash.update(`${name.slice(MIGRATIONS_FOLDER.length)}\n`).update(await readFile(name));
    return join(CACHE_FOLDER, `${CACHE_PREFIX}${hash.digest('hex').slice(0, 16)}.tar`);
  })();
  return cacheFilePromise;
}

/** The installed PGlite's version: a dump is only valid for the PGlite that wrote it. */
function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let folder = dirname(require.resolve('@electric-sql/pglite'));
  for (let depth = 0; depth < 5; depth += 1) {
    try {
      const manifest = require(join(folder, 'package.json')) as { name?: string; version?: string };
      if (manifest.name === '@electric-sql/pglite' && manifest.version) return manifest.version;
    } catch {
      // No manifest at this level: keep climbing.
    }
    folder = dirname(folder);
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}
