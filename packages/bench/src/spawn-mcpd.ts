import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAnnouncedUrl } from './announced-url.js';
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
    const url = await readAnnouncedUrl(child, {
      name: 'mcpd',
      parseLine: listeningUrl,
      timeoutMs: START_TIMEOUT_MS,
      onLine: (line) => keep(`${line}\n`),
      output: () => output,
    });
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

/** mcpd logs pino JSON lines; `{"msg":"mcpd listening","url":…}` says where it listens. */
function listeningUrl(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return entry.msg === LISTENING_MESSAGE && typeof entry.url === 'string' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}
