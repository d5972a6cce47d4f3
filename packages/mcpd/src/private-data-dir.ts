import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';

/** Mode bits for group and others: none may be set anywhere under the data directory. */
const GROUP_AND_OTHERS = 0o077;

/**
 * Creates the data directory (and missing parents) 0700, then makes everything under it
 * private: directories 0700, files 0600, whatever the umask was when they were written. The
 * embedded database asks for 0666 files and 0777 directories, and an older mcpd or another
 * umask may have left them so. Entries owned by another user are left alone and reported;
 * symbolic links are not followed. Run again after the database has opened, for what it made:
 * `made` says so, and what that run tightens (the database's own new files, hundreds on a first
 * start) is logged at debug, since nothing was wrong with it.
 */
export async function makeDataDirPrivate(dir: string, logger: Logger, options: { made?: boolean } = {}): Promise<void> {
  await makeDataDir(dir);
  await assertWritable(dir);
  const foreign: string[] = [];
  let tightened = 0;
  const visit = async (path: string, directory: boolean): Promise<void> => {
    const stats = await lstat(path);
    if ((stats.mode & GROUP_AND_OTHERS) !== 0) {
      if (ownedByAnother(stats.uid)) foreign.push(path);
      else {
        await chmod(path, directory ? 0o700 : 0o600);
        tightened += 1;
      }
    }
    if (!directory) return;
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.isDirectory() || entry.isFile()) await visit(join(path, entry.name), entry.isDirectory());
    }
  };
  try {
    await visit(dir, true);
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    if ((code !== 'EACCES' && code !== 'EPERM') || path === undefined) throw error;
    // A start as another user (root, say) left it: PGlite would fail on it next, with less to say.
    const { label, owner } = runner();
    throw new Error(
      `${path} in the data directory cannot be read by ${label}, who runs mcpd (a start as another user leaves such files): give that user the directory and everything in it (chown -R ${owner} ${dir}), or give mcpd another directory with --data-dir`,
    );
  }
  if (tightened > 0) {
    const fields = { dataDir: dir, tightened };
    if (options.made) logger.debug(fields, "made the embedded database's new files private (directories 0700, files 0600)");
    else logger.info(fields, 'made the data directory private (directories 0700, files 0600)');
  }
  if (foreign.length > 0) {
    logger.warn({ dataDir: dir, count: foreign.length, first: foreign.slice(0, 5) }, 'entries of the data directory owned by another user were left as they are');
  }
}

/** Creates the directory and its missing parents 0700; a file in their place is named, not left to mkdir's EEXIST or ENOTDIR. */
async function makeDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') {
      // A recursive mkdir on a read-only file system says ENOENT: the nearest parent there is tells why.
      const found = await nearestExisting(dir);
      const parent = found?.directory === true ? found.path : undefined;
      const refused = parent === undefined ? undefined : await writeRefusal(parent);
      if (parent !== undefined && refused !== undefined) throw new Error(unwritableMessage(dir, parent, refused));
      throw error;
    }
    const found = await nearestExisting(dir);
    const file = found?.directory === false ? found.path : undefined;
    if (file === undefined) throw error;
    // The path may be the default one, not a flag the user gave: the remedy names both ways.
    const where = file === dir ? 'is a file, not a directory' : `cannot be made inside ${file}, a file`;
    throw new Error(`the data directory ${dir} ${where}: move the file, or give mcpd another directory with --data-dir (it is created when missing)`);
  }
}

/**
 * Before anything is written: otherwise the first write (a chmod, the lock) fails with a bare EROFS
 * or EACCES. A directory of mcpd's own user that has no write permission is given it: the
 * directory is made private (0700) in any case.
 */
async function assertWritable(dir: string): Promise<void> {
  let refused = await writeRefusal(dir);
  if (refused === 'EACCES' && !ownedByAnother((await stat(dir)).uid)) {
    await chmod(dir, 0o700);
    refused = await writeRefusal(dir);
  }
  if (refused !== undefined) throw new Error(unwritableMessage(dir, dir, refused));
}

/** Why this process may not write into the directory `path`, or undefined when it may (or the check itself failed). */
async function writeRefusal(path: string): Promise<'EROFS' | 'EACCES' | undefined> {
  try {
    await access(path, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return 'EROFS';
    return code === 'EACCES' || code === 'EPERM' ? 'EACCES' : undefined;
  }
}

/**
 * The one line for a data directory mcpd may not write: `at` is the directory itself, or the
 * nearest existing parent when the directory is still to be made.
 */
export function unwritableMessage(dir: string, at: string, refusal: 'EROFS' | 'EACCES', user = runner().label): string {
  const remedy = 'or give mcpd another directory with --data-dir (it is created when missing)';
  const what = at === dir ? `the data directory ${dir}` : `the data directory ${dir} cannot be made: ${at}`;
  return refusal === 'EROFS'
    ? `${what} is on a read-only file system; mcpd writes its database there: mount it read-write, ${remedy}`
    : `${what} is not writable by ${user}, who runs mcpd: give that user write access to it, ${remedy}`;
}

/** Who runs mcpd, for a person (`user mcpd`) and for chown (`mcpd`). */
function runner(): { label: string; owner: string } {
  try {
    const { username } = userInfo();
    return { label: `user ${username}`, owner: username };
  } catch {
    // A container's uid with no passwd entry.
    const uid = String(process.getuid?.() ?? '?');
    return { label: `uid ${uid}`, owner: uid };
  }
}

/** `path` or the nearest of its parents that exists, and whether it is a directory. */
async function nearestExisting(path: string): Promise<{ path: string; directory: boolean } | undefined> {
  for (let current = path; ; current = dirname(current)) {
    try {
      return { path: current, directory: (await stat(current)).isDirectory() };
    } catch (error) {
      // Missing, under a file (ENOTDIR), or behind a directory this user may not search: one level up.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EACCES') || dirname(current) === current) return undefined;
    }
  }
}

/** Root may tighten anything; anyone else only what is theirs (Windows has no owners here). */
function ownedByAnother(uid: number): boolean {
  const self = process.getuid?.();
  return self !== undefined && self !== 0 && uid !== self;
}
