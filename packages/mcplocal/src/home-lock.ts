import { readFileSync, rmSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname as systemHostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { McplocalError } from './errors.js';
import { processStartTime } from './managed/pid-file.js';

/** Held while mcplocal runs: one mcplocal per `MCPCTL_HOME`. */
export interface HomeLock {
  /** Removes the lock file, when it is still this process's; synchronous, so it runs at exit too. */
  release(): void;
}

/**
 * The lock file's content: who holds it, on which machine, and when that process started (with
 * the boot it started in, see `processStartTime`), so a reused pid is told apart.
 */
interface Holder {
  pid: number;
  startTime: string;
  host?: string | undefined;
}

/** How long after taking over a lock left by a gone process it is read again, to see that no other start took it too. */
const TAKEOVER_SETTLE_MS = 100;

export function homeLockPath(home: string): string {
  return join(home, 'mcplocal.lock');
}

/**
 * Takes `MCPCTL_HOME/mcplocal.lock`. Two mcplocals on one home share its provider session: each
 * new connection of one replaces the other's (failing its tasks), both publish their own idea of
 * the same rows, and both run the same managed servers. The second one is refused at start, naming
 * the first. A lock whose process is gone (killed, the machine restarted) is taken over; one
 * written on another machine (a home shared over NFS) is never taken over, since its process
 * cannot be looked at from here.
 */
export async function lockHome(home: string, options: { pid?: number; hostname?: string } = {}): Promise<HomeLock> {
  const pid = options.pid ?? process.pid;
  const host = options.hostname ?? systemHostname();
  const path = homeLockPath(home);
  const startTime = await processStartTime(pid);
  // A system without /proc or ps cannot tell; mcplocal runs unlocked there rather than not at all.
  if (startTime === undefined) return { release: () => undefined };
  const content = `${JSON.stringify({ pid, startTime, host } satisfies Holder)}\n`;
  const held: HomeLock = { release: () => releaseIfOurs(path, content) };
  await mkdir(home, { recursive: true, mode: 0o700 });
  // Twice at most: once more after removing a lock left by a process that is gone.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (await created(path, content, pid)) {
      if (attempt === 0) return held;
      // Two starts that both found the lock stale may both have removed it and made their own; the
      // later one stands. Read again once both have written: the one whose lock is gone gives way.
      await sleep(TAKEOVER_SETTLE_MS);
      if ((await readFile(path, 'utf8').catch(() => undefined)) === content) return held;
      break;
    }
    const { holder, text } = await readHolder(path);
    if (holder && holder.host !== undefined && holder.host !== host) {
      throw new McplocalError(
        `another mcplocal (pid ${holder.pid} on ${holder.host}) holds ${home}; stop it first, or give this one its own MCPCTL_HOME (if none runs there, remove ${path})`,
      );
    }
    if (holder && holder.pid !== pid && (await processStartTime(holder.pid)) === holder.startTime) {
      throw new McplocalError(
        `another mcplocal (pid ${holder.pid}) runs with ${home}; stop it first (systemctl --user stop mcplocal, if it is the unit), or give this one its own MCPCTL_HOME (if no mcplocal runs as pid ${holder.pid}, remove ${path})`,
      );
    }
    // Best effort against another start taking over at the same moment: removed only while it
    // still says what was read, and the takeover is checked again above.
    if ((await readFile(path, 'utf8').catch(() => undefined)) === text) await rm(path, { force: true });
  }
  throw new McplocalError(`another mcplocal starting at the same moment took ${path}; start this one again once that one runs or has stopped`);
}

/**
 * Creates the lock file with its content whole, or answers false when it exists. Written aside and
 * linked in place, so a reader never sees it half written; where the file system has no hard
 * links (FAT, some network and FUSE mounts) it is created exclusively and written at once, and a
 * reader that finds it empty or cut takes it for held (see `readHolder`).
 */
async function created(path: string, content: string, pid: number): Promise<boolean> {
  const aside = `${path}.${pid}.tmp`;
  await writeFile(aside, content, { mode: 0o600 });
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code ?? '')) throw error;
  } finally {
    await rm(aside, { force: true });
  }
  try {
    await writeFile(path, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** What `link` fails with on a file system that has no hard links. */
const NO_HARD_LINKS: ReadonlySet<string> = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * The lock's holder and its text. A lock that is not JSON mcplocal wrote has no holder, unless it is
 * so new that its writer may still be writing it (no hard links, see `created`): that one is read
 * again a moment later.
 */
async function readHolder(path: string): Promise<{ holder: Holder | undefined; text: string | undefined }> {
  let text = await readFile(path, 'utf8').catch(() => undefined);
  if (text !== undefined && parseHolder(text) === undefined) {
    await sleep(TAKEOVER_SETTLE_MS);
    text = await readFile(path, 'utf8').catch(() => undefined);
  }
  return { holder: text === undefined ? undefined : parseHolder(text), text };
}

function parseHolder(text: string): Holder | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.startTime !== 'string') return undefined;
    return { pid: parsed.pid, startTime: parsed.startTime, host: typeof parsed.host === 'string' ? parsed.host : undefined };
  } catch {
    return undefined;
  }
}

function releaseIfOurs(path: string, content: string): void {
  try {
    if (readFileSync(path, 'utf8') === content) rmSync(path, { force: true });
  } catch {
    // Gone already, or not ours to read: nothing of ours to remove.
  }
}
