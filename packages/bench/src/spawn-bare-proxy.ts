import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAnnouncedUrl } from './announced-url.js';
import { stopChild } from './stop-child.js';

const here = fileURLToPath(import.meta.url);

/** The compiled entry point; from the TypeScript source (tests) the built one still runs, as plain Node cannot run TypeScript. */
export const BARE_PROXY_MAIN = here.endsWith('.ts')
  ? join(dirname(here), '..', 'dist', 'bare-proxy-main.js')
  : join(dirname(here), 'bare-proxy-main.js');

export interface SpawnedBareProxy {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/** Runs the reference proxy in front of `upstreamUrl` (an OpenAI base URL) in its own process. */
export async function spawnBareProxy(upstreamUrl: string, model: string): Promise<SpawnedBareProxy> {
  const child = spawn(process.execPath, [BARE_PROXY_MAIN, '--upstream', upstreamUrl, '--model', model], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4_000);
  });
  const stop = () => stopChild(child);
  try {
    const url = await readAnnouncedUrl(child, {
      name: 'bare-proxy',
      parseLine: announcedUrl,
      timeoutMs: START_TIMEOUT_MS,
      onLine: () => undefined,
      output: () => stderr,
    });
    return { url, process: child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function announcedUrl(line: string): string | undefined {
  try {
    const { url } = JSON.parse(line) as { url?: unknown };
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}
