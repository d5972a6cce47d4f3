import { readFileSync } from 'node:fs';

/**
 * True while a process with this id runs. A zombie counts as gone: in a container whose first
 * process does not reap orphans, a killed grandchild stays one for good.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // `pid (name) STATE …`; the name may hold spaces, so the state is read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Resolves once the process is gone; rejects after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (processAlive(pid)) {
    if (performance.now() > deadline) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
