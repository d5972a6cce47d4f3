import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { TestKitError } from './errors.js';
import { OutputTail } from './output-tail.js';

export interface SpawnServiceOptions<T> {
  /** Names the service in errors. */
  name: string;
  main: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  nodeFlags?: string[];
  /** Looks at each stdout line; the first non-undefined answer means the service is ready. */
  ready(line: string): T | undefined;
  startTimeoutMs?: number;
}

export interface SpawnedService<T> {
  /** What `ready` answered. */
  value: T;
  process: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved (the last 1 MiB). */
  output(): string;
  /** Signals the process (SIGTERM by default; SIGKILL after 5 s) and resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const KEPT_OUTPUT_CHARS = 1024 * 1024;
const STOP_TIMEOUT_MS = 5_000;

/** Runs a Node entry point as a real child process and resolves once it reports ready. */
export async function spawnService<T>(options: SpawnServiceOptions<T>): Promise<SpawnedService<T>> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.main, ...(options.args ?? [])], {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail(KEPT_OUTPUT_CHARS);
  const keep = (text: string) => tail.add(text);
  const output = () => tail.text();
  child.stderr.setEncoding('utf8').on('data', keep);
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => stopProcess(child, signal);
  try {
    const value = await waitReady(child, options, keep, output);
    return { value, process: child, output, stop };
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
}

function waitReady<T>(child: ChildProcess, options: SpawnServiceOptions<T>, keep: (text: string) => void, output: () => string): Promise<T> {
  const timeoutMs = options.startTimeoutMs ?? 45_000;
  const lines = createInterface({ input: child.stdout! });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else resolve(value as T);
    };
    const timer = setTimeout(
      () => settle(new TestKitError(`${options.name} did not report ready within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs,
    );
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      settle(new TestKitError(`${options.name} exited (${signal ?? `code ${String(code)}`}) before it was ready:\n${output()}`));
    const onError = (error: Error) => settle(new TestKitError(`cannot start ${options.name}`, { cause: error }));
    child.once('exit', onExit);
    child.once('error', onError);
    // Lines keep being read after ready, so the child never blocks on a full pipe.
    lines.on('line', (line) => {
      keep(`${line}\n`);
      if (settled) return;
      const value = options.ready(line);
      if (value !== undefined) settle(undefined, value);
    });
  });
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A pino JSON log line as an object, or undefined for anything else. */
export function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
