import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Held while mcpd runs on an embedded database: one process per data directory. */
export interface DataDirLock {
  release(): Promise<void>;
}

/** Another mcpd, still running, holds the data directory. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the data directory ${dir} is in use by another mcpd (pid ${pid}); stop that one, or give this one another --data-dir (if no mcpd runs there, remove ${lockPath(dir)})`,
    );
  }
}

function lockPath(dir: string): string {
  return join(dir, 'mcpd.lock');
}

/**
 * Takes `dir/mcpd.lock`, written with this process's pid. The embedded database is one process's
 * files: a second mcpd on them reads stale rows, and what it writes is lost when the first writes
 * its own pages back. A lock whose process is gone (a crash, SIGKILL) is taken over.
 */
export async function lockDataDir(dir: string, pid = process.pid): Promise<DataDirLock> {
  const path = lockPath(dir);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${pid}\n`);
      } finally {
        await handle.close();
      }
      return { release: () => releaseIfOurs(path, pid) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const holder = await holderOf(path);
    if (holder !== undefined && holder !== pid && isRunning(holder)) throw new DataDirInUseError(dir, holder);
    await rm(path, { force: true });
  }
}

async function holderOf(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseIfOurs(path: string, pid: number): Promise<void> {
  if ((await holderOf(path)) === pid) await rm(path, { force: true });
}
