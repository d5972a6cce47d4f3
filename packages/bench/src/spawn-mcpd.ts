import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BenchError } from './errors.js';
import { stopChild } from './stop-child.js';

/** mcpd's compiled entry point, beside this package in the workspace (from `src` or `dist` alike). */
export const MCPD_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'mcpd', 'dist', 'main.js');

export interface McpdLaunch {
  dataDir: string;
  /** Becomes the admin's bearer token. */
  bootstrapToken: string;
  /** Flags for the `node` running mcpd, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
}

export interface SpawnedMcpd {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const OUTPUT_KEPT_CHARS = 4_000;
const LISTENING_MESSAGE = 'mcpd listening';

/**
 * Starts mcpd on a free port with its embedded database and resolves once its log announces the
 * URL. The log stays at mcpd's default level, info, as an operator would run it.
 */
export async function spawnMcpd(launch: McpdLaunch): Promise<SpawnedMcpd> {
  const child = spawn(
    process.execPath,
    [...(launch.nodeFlags ?? []), MCPD_MAIN, '--host', '127.0.0.1', '--port', '0', '--data-dir', launch.dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: mcpdEnvironment(launch.bootstrapToken) },
  );
  let output = '';
  const keep = (text: string) => {
    output = (output + text).slice(-OUTPUT_KEPT_CHARS);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', keep);
  const stop = () => stopChild(child);
  try {
    const url = await readListeningUrl(child, keep, () => output);
    return { url, process: child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The caller's environment without mcpd settings it may carry, so the run always uses a fresh embedded database. */
function mcpdEnvironment(bootstrapToken: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MCPD_') && key !== 'DATABASE_URL') env[key] = value;
  }
  env.MCPD_BOOTSTRAP_TOKEN = bootstrapToken;
  env.MCPD_LOG_LEVEL = 'info';
  return env;
}

function readListeningUrl(child: ChildProcess, keep: (text: string) => void, output: () => string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, url?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else resolve(url!);
    };
    const timer = setTimeout(
      () => finish(new BenchError(`mcpd did not announce its URL within ${START_TIMEOUT_MS} ms: ${output().trim()}`)),
      START_TIMEOUT_MS,
    );
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(new BenchError(`mcpd exited (${signal ?? `code ${code}`}) before listening: ${output().trim()}`));
    const onError = (error: Error) => finish(new BenchError('cannot start mcpd', { cause: error }));
    child.once('exit', onExit);
    child.once('error', onError);
    // Every line is read to the end of the run, so mcpd can never block on a full pipe.
    lines.on('line', (line) => {
      keep(`${line}\n`);
      if (!settled) {
        const url = listeningUrl(line);
        if (url) finish(undefined, url);
      }
    });
  });
}

function listeningUrl(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return entry.msg === LISTENING_MESSAGE && typeof entry.url === 'string' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}
