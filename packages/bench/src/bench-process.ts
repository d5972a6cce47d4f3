import type { ChildProcess } from 'node:child_process';
import type { CleanupStack } from './cleanup-stack.js';
import { BenchError } from './errors.js';

/** A server process the run started, as the progress lines and the CPU accounting know it. */
export interface BenchProcess {
  name: string;
  pid: number;
  /** Where it listens or what it does, for a person reading the progress. */
  detail: string;
}

export interface StartedChild {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Hands a started child to the cleanup (orderly stop, and SIGKILL at exit as a last resort). */
export function keepProcess(cleanup: CleanupStack, name: string, started: StartedChild, detail: string): BenchProcess {
  cleanup.track(started.process);
  cleanup.add(`stop ${name}`, () => started.stop());
  const pid = started.process.pid;
  if (pid === undefined) throw new BenchError(`${name} has no process id`);
  return { name, pid, detail };
}
