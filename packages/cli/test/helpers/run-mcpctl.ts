import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point, the file `npx mcpctl` runs. */
export const MCPCTL_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface McpctlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const RUN_TIMEOUT_MS = 20_000;

/**
 * Runs `mcpctl ARGS` as a child process with only the environment given (plus PATH and
 * HOME), so the developer's own MCPCTL_* variables never leak into a test.
 */
export function runMcpctl(args: string[], options: { env: Record<string, string>; input?: string }): Promise<McpctlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MCPCTL_MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcpctl ${args.join(' ')} did not finish within ${RUN_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * `mcpctl` for one test file: in the home `homePath` names (read at each run, since files make
 * theirs in `beforeAll`), as its stored login, or as someone else with `token`.
 */
export function mcpctlInHome(homePath: () => string): (args: string[], options?: { input?: string; token?: string }) => Promise<McpctlRun> {
  return (args, options = {}) =>
    runMcpctl(args, {
      env: { MCPCTL_HOME: homePath(), ...(options.token === undefined ? {} : { MCPCTL_TOKEN: options.token }) },
      ...(options.input === undefined ? {} : { input: options.input }),
    });
}

/** Writes `documents` to `dir/name`, one YAML document each, for `apply -f` and `delete -f`; answers the file's path. */
export async function documentsFile(dir: string, name: string, documents: readonly string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, documents.join('---\n'));
  return file;
}
