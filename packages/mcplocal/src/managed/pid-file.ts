import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '@mcpctl/clock';

/** A process as a pid file names it: the pid, and when it started, so a reused pid is told apart. */
interface ProcessMark {
  pid: number;
  /** When the process started, as the system reports it (`/proc/PID/stat` field 22, else `ps -o lstart=`). */
  startTime: string;
}

/** What a pid file records: the server, and the mcplocal that runs it. */
interface PidRecord extends ProcessMark {
  command: string;
  /** The mcplocal that started it: while that one lives, the server is not an orphan. */
  owner?: ProcessMark | undefined;
}

const run = promisify(execFile);
/** Linux: start times from `/proc`, without a process per question. */
const HAS_PROC = existsSync('/proc/self/stat');

let bootIdRead: Promise<string | undefined> | undefined;
/** This boot's id (Linux), read once. */
function bootId(): Promise<string | undefined> {
  bootIdRead ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (text) => text.trim() || undefined,
    () => undefined,
  );
  return bootIdRead;
}

/**
 * When process `pid` started, as the system records it, or undefined when there is no such
 * process. A pid reused by another program has another start time, so a stale pid file never
 * leads to killing a stranger. Linux answers from `/proc`, in clock ticks since boot prefixed by
 * the boot's id: a process of the next boot that got the same pid in the same tick (services
 * starting in the order they always do) is another process. Elsewhere (macOS) `ps` answers with
 * the wall-clock start, which no other boot repeats.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  if (HAS_PROC) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie has exited; only its entry is left for its parent to collect.
      if (fields[0] === 'Z' || fields[19] === undefined) return undefined;
      const boot = await bootId();
      return boot === undefined ? fields[19] : `${boot}:${fields[19]}`;
    } catch {
      return undefined;
    }
  }
  try {
    const { stdout } = await run('ps', ['-o', 'stat=,lstart=', '-p', String(pid)]);
    const [state, ...started] = stdout.trim().split(/\s+/);
    return state === undefined || state.startsWith('Z') || started.length === 0 ? undefined : started.join(' ');
  } catch {
    // `ps` exits 1 for a pid it does not know.
    return undefined;
  }
}

export async function writePidFile(path: string, pid: number, command: string): Promise<void> {
  const [startTime, ownerStart] = await Promise.all([processStartTime(pid), processStartTime(process.pid)]);
  if (startTime === undefined) return;
  const record: PidRecord = { pid, startTime, command, ...(ownerStart === undefined ? {} : { owner: { pid: process.pid, startTime: ownerStart } }) };
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  // Written aside and renamed: a reader (the next mcplocal, after a crash mid-write) sees all of it or none.
  const written = `${path}.${process.pid}.tmp`;
  await writeFile(written, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  await rename(written, path);
}

export async function removePidFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Stops the model servers an earlier mcplocal left running (it was SIGKILLed, or the machine
 * lost power mid-stop): every pid file in `runDir` whose process is still the one it names, and
 * whose mcplocal is gone, gets its process group SIGTERMed, then SIGKILLed after `graceMs`.
 * Servers of an mcplocal still running on the same home are left alone. Answers what it
 * stopped: each server's name (its pid file's), pid, and whether it had to be killed.
 */
export async function stopOrphans(
  runDir: string,
  clock: Clock,
  graceMs: number,
  /** Told before each stop, which may take the whole grace. */
  onStopping: (name: string, pid: number) => void = () => undefined,
): Promise<Array<{ name: string; pid: number; killed: boolean }>> {
  let names: string[];
  try {
    names = (await readdir(runDir)).filter((name) => name.endsWith('.pid'));
  } catch {
    return [];
  }
  const stopped: Array<{ name: string; pid: number; killed: boolean }> = [];
  for (const name of names) {
    const path = join(runDir, name);
    const record = await readRecord(path);
    if (record && (await isRunning(record.owner)) && record.owner?.pid !== process.pid) continue;
    if (record && (await isRunning(record))) {
      const server = name.slice(0, -'.pid'.length);
      onStopping(server, record.pid);
      const killed = await stopGroup(record.pid, clock, graceMs);
      stopped.push({ name: server, pid: record.pid, killed });
    } else if (record && (await processStartTime(record.pid)) === undefined) {
      // The server is gone, but it led a group, and workers it left behind may hold the GPU. No
      // process has its pid, and a pid still in use as a group id is never given out again: the
      // group, if there is one, is the server's.
      await stopGroup(record.pid, clock, graceMs);
    }
    await removePidFile(path);
  }
  return stopped;
}

async function isRunning(mark: ProcessMark | undefined): Promise<boolean> {
  return mark !== undefined && (await processStartTime(mark.pid)) === mark.startTime;
}

/**
 * SIGTERM to the process group led by `pid`, then SIGKILL to whatever of the group is left
 * after `graceMs`: the leader exiting is not enough, a worker it started (vLLM's engine) may
 * hold the GPU on. Resolves once the group is empty, or once SIGKILL was sent: with true then,
 * so the caller can say why the stop took the whole grace.
 */
export async function stopGroup(pid: number, clock: Clock, graceMs: number): Promise<boolean> {
  if (!signalGroup(pid, 'SIGTERM')) return false;
  const deadline = clock.monotonic() + graceMs;
  while (clock.monotonic() < deadline) {
    await clock.sleep(50);
    if (!signalGroup(pid, 0)) return false;
  }
  return signalGroup(pid, 'SIGKILL');
}

/** Signals every process of the group; false once the group has no process left. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    // EPERM: a member is not ours to signal, but the group is still there.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readRecord(path: string): Promise<PidRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as Partial<PidRecord>;
    if (isMark(record)) {
      const { command, owner } = record as Partial<PidRecord>;
      return { pid: record.pid, startTime: record.startTime, command: typeof command === 'string' ? command : '', owner: isMark(owner) ? owner : undefined };
    }
  } catch {
    // Unreadable: removed below, as it names nothing mcplocal can check.
  }
  return undefined;
}

function isMark(value: unknown): value is ProcessMark {
  const mark = value as Partial<ProcessMark> | undefined;
  return typeof mark?.pid === 'number' && Number.isInteger(mark.pid) && mark.pid > 1 && typeof mark.startTime === 'string';
}
