import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseLogLine, spawnService, type SpawnedService } from './spawn-service.js';

/** mcpd's built entry point (the test kit sits beside it in the workspace). */
export const MCPD_MAIN = fileURLToPath(new URL('../../mcpd/dist/main.js', import.meta.url));

export interface SpawnMcpdOptions {
  dataDir: string;
  /** 0 (default) picks a free port; pass the previous port to restart in place. */
  port?: number;
  /** The admin token on first start (MCPD_BOOTSTRAP_TOKEN); random when absent. */
  adminToken?: string;
  /** Extra environment; DATABASE_URL is not inherited unless given here. */
  env?: Record<string, string>;
  nodeFlags?: string[];
  /** How long the first `mcpd listening` line may take (default 45 s); a first embedded start on a loaded machine is slow. */
  startTimeoutMs?: number;
}

export interface SpawnedMcpd extends Omit<SpawnedService<string>, 'value'> {
  url: string;
  port: number;
  adminToken: string;
}

/** Runs the real mcpd as a child process; resolves once its `mcpd listening` line names the URL. */
export async function spawnMcpd(options: SpawnMcpdOptions): Promise<SpawnedMcpd> {
  const adminToken = options.adminToken ?? `mcpctl_${randomBytes(24).toString('base64url')}`;
  const { DATABASE_URL: _inherited, ...env } = process.env;
  const service = await spawnService({
    name: 'mcpd',
    main: MCPD_MAIN,
    args: ['--host', '127.0.0.1', '--port', String(options.port ?? 0), '--data-dir', options.dataDir],
    env: { ...env, MCPD_BOOTSTRAP_TOKEN: adminToken, MCPD_LOG_LEVEL: 'info', ...options.env },
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
    ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ready: (line) => {
      const record = parseLogLine(line);
      return record?.msg === 'mcpd listening' && typeof record.url === 'string' ? record.url : undefined;
    },
  });
  return { ...service, url: service.value, port: Number(new URL(service.value).port), adminToken };
}
