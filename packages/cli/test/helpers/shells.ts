import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of `name` on PATH, or undefined when it is not installed. */
export function findExecutable(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

export interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a shell with the given arguments and a clean environment; never rejects on a non-zero exit. */
export function runShell(shell: string, args: string[], env: Record<string, string> = {}): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    execFile(
      shell,
      args,
      { timeout: 15_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'dumb', ...env } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(error); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- an ExecFileException, an Error the rule cannot see through its Omit<> type
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}
