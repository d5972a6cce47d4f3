import { randomUUID } from 'node:crypto';
import { hostname as systemHostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { open, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Held while mcpd runs on an embedded database: one process per data directory. */
export interface DataDirLock {
  release(): Promise<void>;
}

/** Another mcpd, still running, holds the data directory. */
export class DataDirInUseError extends Error {
  constructor(dir: string, holder: string) {
    super(`the data directory ${dir} is in use by another mcpd (${holder}); stop that one, or give this one another --data-dir (if no mcpd runs there, remove ${lockPath(dir)})`);
  }
}

export interface LockOptions {
  pid?: number;
  hostname?: string;
  /** Wall-clock milliseconds, compared with the lock file's modification time. */
  now?: () => number;
  /** How often the holder touches the file (tests shorten it); `LOCK_REFRESH_MS` otherwise. */
  refreshMs?: number;
  /**
   * The lock file was gone at a refresh (someone removed it while this mcpd runs), and was written
   * again (`restored`), or another process had made its own meanwhile (`taken`).
   */
  onMissing?: (outcome: 'restored' | 'taken') => void;
}

/** What the lock file holds: who wrote it, and a token only that process knows. */
interface LockHolder {
  pid: number;
  host?: string | undefined;
  token?: string | undefined;
}

/** How often the holder shows it is alive (the file's modification time). */
export const LOCK_REFRESH_MS = 5_000;
/** A holder on another host (another container on the same volume) silent this long is gone. */
export const LOCK_STALE_MS = 15_000;

function lockPath(dir: string): string {
  return join(dir, 'mcpd.lock');
}

/**
 * Takes `dir/mcpd.lock`. The embedded database is one process's files: a second mcpd on them
 * reads stale rows, and what it writes is lost when the first writes its own pages back. On the
 * same host a lock counts while its pid runs (and is not this process: a container's mcpd is pid 1
 * at every start); a lock from another host (another container sharing the volume) counts while
 * its holder refreshes it, every 5 s. A lock that no longer counts is taken over.
 */
export async function lockDataDir(dir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const token = randomUUID();
  const me: LockHolder = { pid: options.pid ?? process.pid, host: options.hostname ?? systemHostname(), token };
  const now = options.now ?? Date.now;
  const path = lockPath(dir);
  const content = `${JSON.stringify(me)}\n`;
  if (!(await writeExclusively(path, content))) {
    const found = await holderOf(path);
    const ageMs = now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0);
    if (found !== undefined && holds(found, me, ageMs)) throw new DataDirInUseError(dir, describe(found, me, ageMs));
    // Taken over in one step: whoever renames last holds it, and each starter reads back which.
    const temporary = `${path}.${token}`;
    await writeFile(temporary, content, { mode: 0o600 });
    await rename(temporary, path);
    const after = await holderOf(path);
    if (after?.token !== token) throw new DataDirInUseError(dir, after === undefined ? 'one that started at the same moment' : describe(after, me, 0));
  }
  const refresh = setInterval(() => {
    const at = new Date(now());
    utimes(path, at, at).catch(async (error: unknown) => {
      // Removed while this mcpd runs (a restore's step done too early): written again at once, or
      // a second mcpd would start on the same files and what one of them writes would be lost.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
      // A directory gone as well leaves nothing to write into, and no one else to tell.
      const restored = await writeExclusively(path, content).catch(() => undefined);
      if (restored !== undefined) options.onMissing?.(restored ? 'restored' : 'taken');
    });
  }, options.refreshMs ?? LOCK_REFRESH_MS);
  refresh.unref();
  return {
    release: async () => {
      clearInterval(refresh);
      if ((await holderOf(path))?.token === token) await rm(path, { force: true });
    },
  };
}

/** Creates `path` holding `content` unless it exists: true when written, false when it existed. */
async function writeExclusively(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Whether `found` still holds the lock against `me`, its file last touched `ageMs` ago. */
function holds(found: LockHolder, me: LockHolder, ageMs: number): boolean {
  if (found.host === undefined || found.host === me.host) return found.pid !== me.pid && isRunning(found.pid);
  return ageMs < LOCK_STALE_MS;
}

function describe(holder: LockHolder, me: LockHolder, ageMs: number): string {
  if (holder.host === undefined || holder.host === me.host) return `pid ${holder.pid}`;
  return `pid ${holder.pid} on ${holder.host}, alive ${Math.max(0, Math.round(ageMs / 1000))} s ago`;
}

/** Who wrote the lock; undefined for a file that is not one (it is then taken over). */
async function holderOf(path: string): Promise<LockHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || !Number.isSafeInteger(value.pid) || value.pid <= 0) return undefined;
    return { pid: value.pid, host: typeof value.host === 'string' ? value.host : undefined, token: typeof value.token === 'string' ? value.token : undefined };
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A process killed but not yet reaped by its parent (a supervisor restarting it at once) holds nothing. */
function isZombie(pid: number): boolean {
  try {
    // `PID (COMMAND) STATE …`: the command may hold spaces and parentheses, so the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
