import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLogLine, spawnService } from './spawn-service.js';

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

/** Runs `fake-upstream ARGS` as a child process and resolves once it prints its URL. */
export async function spawnFakeUpstream(args: string[] = []): Promise<SpawnedFakeUpstream> {
  const service = await spawnService({
    name: 'fake-upstream',
    main: FAKE_UPSTREAM_MAIN,
    args,
    startTimeoutMs: 10_000,
    ready: (line) => {
      const url = parseLogLine(line)?.url;
      return typeof url === 'string' ? url : undefined;
    },
  });
  return { url: service.value, process: service.process, stop: () => service.stop() };
}
