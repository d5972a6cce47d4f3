import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built mcpd entry point. */
export const MCPD_MAIN = fileURLToPath(new URL('../../../mcpd/dist/main.js', import.meta.url));

export interface SpawnedMcpd {
  url: string;
  /** The admin token, from MCPD_BOOTSTRAP_TOKEN. */
  adminToken: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 5_000;
const KEPT_OUTPUT_CHARS = 4_000;

/**
 * Runs the real mcpd (embedded database in `dataDir`) as a child process and resolves once
 * its `mcpd listening` log line names the URL.
 */
export async function spawnMcpd(dataDir: string): Promise<SpawnedMcpd> {
  const adminToken = randomBytes(24).toString('base64url');
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [MCPD_MAIN, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
    env: { ...env, MCPD_BOOTSTRAP_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (text: string): void => {
    output = (output + text).slice(-KEPT_OUTPUT_CHARS);
  };
  child.stderr.setEncoding('utf8').on('data', keep);
  try {
    const url = await readListeningUrl(child, keep, () => output);
    return { url, adminToken, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
}

function readListeningUrl(child: ChildProcess, keep: (text: string) => void, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => fail(new Error(`mcpd did not report listening within ${START_TIMEOUT_MS} ms:\n${output()}`)), START_TIMEOUT_MS);
    const onExit = (code: number | null): void => fail(new Error(`mcpd exited with ${code} before listening:\n${output()}`));
    function fail(error: Error): void {
      clearTimeout(timer);
      child.off('exit', onExit);
      reject(error);
    }
    child.once('exit', onExit);
    lines.on('line', (line) => {
      keep(`${line}\n`);
      const record = parseLogLine(line);
      if (record?.msg === 'mcpd listening' && typeof record.url === 'string') {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(record.url);
      }
    });
  });
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
