import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McplocalError } from './errors.js';
import { processStartTime } from './managed/pid-file.js';

/** Held while mcplocal runs: one mcplocal per `MCPCTL_HOME`. */
export interface HomeLock {
  /** Removes the lock file, when it is still this process's. */
  release(): Promise<void>;
}

/** The lock file's content: who holds it, and when that process started, so a reused pid is told apart. */
interface Holder {
  pid: number;
  startTime: string;
}

export function homeLockPath(home: string): string {
  return join(home, 'mcplocal.lock');
}

/**
 * Takes `MCPCTL_HOME/mcplocal.lock`. Two mcplocals on one home share its provider session: each
 * new connection of one replaces the other's (failing its tasks), both publish their own idea of
 * the same rows, and both run the same managed servers. The second one is refused at start, naming
 * the first. A lock whose process is gone (killed, the machine restarted) is taken over.
 */
export async function lockHome(home: string, pid = process.pid): Promise<HomeLock> {
  const path = homeLockPath(home);
  const startTime = await processStartTime(pid);
  // A system without /proc or ps cannot tell; mcplocal runs unlocked there rather than not at all.
  if (startTime === undefined) return { release: () => Promise.resolve() };
  const content = `${JSON.stringify({ pid, startTime } satisfies Holder)}\n`;
  // Written aside, then linked in place: the lock appears with its content whole or not at all,
  // so a reader never mistakes a lock being written for a broken one.
  const aside = `${path}.${pid}.tmp`;
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFile(aside, content, { mode: 0o600 });
  try {
    // Twice at most: once more after removing a lock left by a process that is gone.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (await linkedIn(aside, path)) return { release: () => releaseIfOurs(path, content) };
      const { holder, text } = await readHolder(path);
      if (holder && holder.pid !== pid && (await processStartTime(holder.pid)) === holder.startTime) {
        throw new McplocalError(
          `another mcplocal (pid ${holder.pid}) runs with ${home}; stop it first (systemctl --user stop mcplocal, if it is the unit), or give this one its own MCPCTL_HOME`,
        );
      }
      // Taken over only while it still says what was read: another start may have taken it meanwhile.
      if ((await readFile(path, 'utf8').catch(() => undefined)) === text) await rm(path, { force: true });
    }
  } finally {
    await rm(aside, { force: true });
  }
  throw new McplocalError(`cannot take ${path}: another mcplocal starting at the same moment took it; start this one again once that one runs or has stopped`);
}

/** Links `aside` in as `path`; false when `path` exists already. */
async function linkedIn(aside: string, path: string): Promise<boolean> {
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The lock's holder and its text; no holder when it is gone meanwhile, or not JSON mcplocal wrote. */
async function readHolder(path: string): Promise<{ holder: Holder | undefined; text: string | undefined }> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  try {
    const parsed = JSON.parse(text ?? '') as Partial<Holder>;
    const holder = typeof parsed.pid === 'number' && typeof parsed.startTime === 'string' ? { pid: parsed.pid, startTime: parsed.startTime } : undefined;
    return { holder, text };
  } catch {
    return { holder: undefined, text };
  }
}

async function releaseIfOurs(path: string, content: string): Promise<void> {
  const now = await readFile(path, 'utf8').catch(() => undefined);
  if (now === content) await rm(path, { force: true });
}
