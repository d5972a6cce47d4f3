import { fileURLToPath } from 'node:url';
import { parseLogLine, spawnService, type SpawnedService } from './spawn-service.js';

/** mcplocal's built entry point (the test kit sits beside it in the workspace). */
export const MCPLOCAL_MAIN = fileURLToPath(new URL('../../mcplocal/dist/main.js', import.meta.url));

export interface SpawnMcplocalOptions {
  /** MCPCTL_HOME with config.json and credentials. */
  home: string;
  /** Without a `--port`, `--port 0` is added: several daemons in one test must not race for the default port of the local endpoint. */
  args?: string[];
  env?: Record<string, string>;
  /** The log message that means ready; by default the control stream being open. */
  readyMessage?: string;
  /** How long to wait for `readyMessage`; default 45 s. */
  startTimeoutMs?: number;
  /** Flags for node before the entry point, such as `--cpu-prof`. */
  nodeFlags?: string[];
}

export type SpawnedMcplocal = SpawnedService<true>;

/** Runs the real mcplocal as a child process; resolves once it logs `readyMessage`. */
export function spawnMcplocal(options: SpawnMcplocalOptions): Promise<SpawnedMcplocal> {
  const readyMessage = options.readyMessage ?? 'control stream open';
  return spawnService({
    name: 'mcplocal',
    main: MCPLOCAL_MAIN,
    args: options.args?.includes('--port') ? options.args : ['--port', '0', ...(options.args ?? [])],
    env: { PATH: process.env.PATH ?? '', HOME: options.home, MCPCTL_HOME: options.home, MCPLOCAL_LOG_LEVEL: 'info', ...options.env },
    ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
    ready: (line) => {
      const message = parseLogLine(line)?.msg;
      return typeof message === 'string' && message.includes(readyMessage) ? true : undefined;
    },
  });
}
