import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { McplocalError } from '../errors.js';

/** Where the last provider session id is kept, so a restart re-adopts the same rows. */
export function sessionFile(home: string): string {
  return join(home, 'provider-session');
}

/** The stored session id; undefined when none was stored yet. */
export async function readSessionId(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new McplocalError(`cannot read the provider session file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const id = text.trim();
  return id === '' ? undefined : id;
}

/**
 * Stores the session id readable by its owner only (it is a secret next to the token). The
 * file is written beside its final name and renamed over it, so a crash mid-write never leaves
 * a truncated id that would make the next start lose its rows.
 */
export async function writeSessionId(path: string, id: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${id}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new McplocalError(`cannot write the provider session file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
