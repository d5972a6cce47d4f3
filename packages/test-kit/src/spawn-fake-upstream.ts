import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TestKitError } from './errors.js';

const here = fileURLToPath(import.meta.url);

/**
 * The compiled entry point. Tests that load this module from its TypeScript source still run the
 * built one: a child process gets plain Node, which cannot run TypeScript.
 */
export const FAKE_UPSTREAM_MAIN = here.endsWith('.ts')
  ? join(dirname(here), '..', 'dist', 'fake-upstream-main.js')
  : join(dirname(here), 'fake-upstream-main.js');

export interface SpawnedFakeUpstream {
  url: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL when the process has not exited within 5 s. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_KEPT_CHARS = 4_000;

/** Runs `fake-upstream ARGS` as a child process and resolves once it prints its URL. */
export async function spawnFakeUpstream(args: string[] = []): Promise<SpawnedFakeUpstream> {
  const child = spawn(process.execPath, [FAKE_UPSTREAM_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEPT_CHARS);
  });
  const stop = () => stopProcess(child);
  try {
    const url = await readUrl(child, () => stderr);
    return { url, process: child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readUrl(child: ChildProcess, stderr: () => string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    const finish = (error: Error | undefined, url?: string) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      lines.close();
      // Nothing else is expected on stdout; keep draining so the child can never block on a full pipe.
      child.stdout?.resume();
      if (error) reject(error);
      else resolve(url!);
    };
    const timer = setTimeout(() => finish(new TestKitError(`fake-upstream printed no URL within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(new TestKitError(`fake-upstream exited (${signal ?? `code ${code}`}) before listening: ${stderr().trim()}`));
    const onError = (error: Error) => finish(new TestKitError('cannot start fake-upstream', { cause: error }));
    child.once('exit', onExit);
    child.once('error', onError);
    lines.once('line', (line) => {
      try {
        const { url } = JSON.parse(line) as { url?: unknown };
        if (typeof url !== 'string') throw new Error('no "url" string');
        finish(undefined, url);
      } catch (error) {
        finish(new TestKitError(`fake-upstream printed an unexpected first line: ${line}`, { cause: error }));
      }
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
