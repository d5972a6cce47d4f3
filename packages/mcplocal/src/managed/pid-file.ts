import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@mcpctl/clock';

/** What a pid file records: enough to know the process is still the one mcplocal started. */
interface PidRecord {
  pid: number;
  /** The process's start time as the kernel counts it (`/proc/PID/stat`, field 22). */
  startTime: string;
  command: string;
}

/**
 * The start time of process `pid` as Linux records it, or undefined when there is no such
 * process (or no `/proc`). A pid reused by another program has another start time, so a stale
 * pid file never leads to killing a stranger.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export async function writePidFile(path: string, pid: number, command: string): Promise<void> {
  const startTime = await processStartTime(pid);
  if (startTime === undefined) return;
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  // Written aside and renamed: a reader (the next mcplocal, after a crash mid-write) sees all of it or none.
  const written = `${path}.${process.pid}.tmp`;
  await writeFile(written, `${JSON.stringify({ pid, startTime, command } satisfies PidRecord)}\n`, { mode: 0o600 });
  await rename(written, path);
}

export async function removePidFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Stops the model servers an earlier mcplocal left running (it was SIGKILLed, or the machine
 * lost power mid-stop): every pid file in `runDir` whose process is still the one it names gets
 * its process group SIGTERMed, then SIGKILLed after `graceMs`. Answers what it stopped, as
 * `NAME (pid N)`.
 */
export async function stopOrphans(runDir: string, clock: Clock, graceMs: number): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(runDir)).filter((name) => name.endsWith('.pid'));
  } catch {
    return [];
  }
  const stopped: string[] = [];
  for (const name of names) {
    const path = join(runDir, name);
    const record = await readRecord(path);
    if (record && (await processStartTime(record.pid)) === record.startTime) {
      await stopGroup(record.pid, clock, graceMs);
      stopped.push(`${name.slice(0, -'.pid'.length)} (pid ${record.pid})`);
    }
    await removePidFile(path);
  }
  return stopped;
}

/** SIGTERM to the process group led by `pid`, SIGKILL after `graceMs` if its leader still runs. */
export async function stopGroup(pid: number, clock: Clock, graceMs: number): Promise<void> {
  const startTime = await processStartTime(pid);
  signalGroup(pid, 'SIGTERM');
  const deadline = clock.monotonic() + graceMs;
  while (clock.monotonic() < deadline) {
    const now = await processStartTime(pid);
    if (now === undefined || now !== startTime || (await isZombie(pid))) return;
    await clock.sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function isZombie(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function readRecord(path: string): Promise<PidRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as Partial<PidRecord>;
    if (typeof record.pid === 'number' && Number.isInteger(record.pid) && record.pid > 1 && typeof record.startTime === 'string') {
      return { pid: record.pid, startTime: record.startTime, command: typeof record.command === 'string' ? record.command : '' };
    }
  } catch {
    // Unreadable: removed below, as it names nothing mcplocal can check.
  }
  return undefined;
}
